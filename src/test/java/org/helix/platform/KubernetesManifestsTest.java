package org.helix.platform;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithName;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.helix.support.Api;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * k8s/ read with the Kubernetes schema (fabric8's model; a field it does not know is a defect) and checked
 * against this application: probes answer, the port is the HTTP port, every variable is a real setting.
 * No cluster runs here, so this is what stands between a typo and a failed rollout.
 */
@QuarkusTest
class KubernetesManifestsTest {

    static final Path K8S = Path.of("k8s");
    static final Path APPLICATION_PROPERTIES = Path.of("src/main/resources/application.properties");
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    static List<HasMetadata> resources;

    @BeforeAll
    static void parse() throws IOException {
        resources = new ArrayList<>();
        for (String file : kustomizationResources()) {
            resources.add(strict(file));
        }
    }

    @Test
    void everyManifestIsAKnownKindWithOnlyKnownFields() {
        Set<Class<?>> kinds = new HashSet<>();
        resources.forEach(r -> kinds.add(r.getClass()));
        assertEquals(Set.of(Namespace.class, ConfigMap.class, Deployment.class, Service.class, PodDisruptionBudget.class,
                HorizontalPodAutoscaler.class, NetworkPolicy.class), kinds);
        Secret template = (Secret) strict("secret.example.yaml");
        assertTrue(template.getStringData().values().stream().allMatch(v -> v.startsWith("CHANGE-ME")),
                "the Secret is a template, never a real secret");
    }

    @Test
    void probesAnswerOnTheRunningApplicationAndThePortIsTheHttpPort() {
        Container server = container();
        int httpPort = productionConfig().getValue("quarkus.http.port", Integer.class);
        assertEquals(1, server.getPorts().size());
        assertEquals(httpPort, server.getPorts().get(0).getContainerPort(), "containerPort is quarkus.http.port");
        String portName = server.getPorts().get(0).getName();
        for (Probe probe : List.of(server.getStartupProbe(), server.getLivenessProbe(), server.getReadinessProbe())) {
            assertNotNull(probe, "startup, liveness and readiness probes");
            assertEquals(portName, probe.getHttpGet().getPort().getStrVal());
            RestAssured.given().baseUri(Api.baseUri()).get(probe.getHttpGet().getPath()).then().statusCode(200);
        }
        assertEquals("/q/health/ready", server.getReadinessProbe().getHttpGet().getPath(),
                "readiness is the one that reflects the database");
        Service service = one(Service.class);
        assertEquals(portName, service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        String annotated = deployment().getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/port");
        assertEquals(String.valueOf(httpPort), annotated);
        RestAssured.given().baseUri(Api.baseUri())
                .get(deployment().getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/path"))
                .then().statusCode(200);
    }

    @Test
    void everyEnvironmentVariableIsARealSetting() throws IOException {
        Set<String> known = knownEnvironmentNames();
        List<String> variables = new ArrayList<>(one(ConfigMap.class).getData().keySet());
        container().getEnv().stream().map(EnvVar::getName).forEach(variables::add);
        List<String> unknown = variables.stream().filter(v -> !known.contains(v)).toList();
        assertEquals(List.of(), unknown, "variables that no configuration property reads");
        assertTrue(variables.size() > 40, "the ConfigMap lists the settings: " + variables.size());

        Secret template = (Secret) strict("secret.example.yaml");
        container().getEnv().stream().filter(e -> e.getValueFrom() != null).forEach(e -> {
            assertEquals(template.getMetadata().getName(), e.getValueFrom().getSecretKeyRef().getName());
            assertTrue(template.getStringData().containsKey(e.getValueFrom().getSecretKeyRef().getKey()), e.getName());
        });
    }

    @Test
    void thePodIsLockedDownAndItsShutdownFitsTheGracePeriod() {
        Deployment deployment = deployment();
        assertEquals(2, deployment.getSpec().getReplicas());
        Container server = container();
        var security = server.getSecurityContext();
        assertTrue(security.getRunAsNonRoot());
        assertTrue(security.getReadOnlyRootFilesystem());
        assertFalse(security.getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
        assertNotNull(server.getResources().getLimits().get("memory"));
        assertNotNull(server.getResources().getRequests().get("memory"));

        Map<String, String> settings = one(ConfigMap.class).getData();
        long preStop = server.getLifecycle().getPreStop().getSleep().getSeconds();
        long grace = Duration.parse("PT" + settings.get("HELIX_SHUTDOWN_GRACE").toUpperCase()).toSeconds();
        long delay = Duration.parse("PT" + settings.get("QUARKUS_SHUTDOWN_DELAY").toUpperCase()).toSeconds();
        long period = deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertTrue(preStop + grace + delay < period, "preStop " + preStop + " s + grace " + grace + " s + delay "
                + delay + " s must end before Kubernetes kills the pod at " + period + " s");

        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(deployment.getSpec().getSelector().getMatchLabels().entrySet()));
        assertTrue(podLabels.entrySet().containsAll(one(Service.class).getSpec().getSelector().entrySet()));
        assertTrue(podLabels.entrySet().containsAll(
                one(PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels().entrySet()));
        assertTrue(podLabels.entrySet().containsAll(
                one(NetworkPolicy.class).getSpec().getPodSelector().getMatchLabels().entrySet()));
        assertEquals(deployment.getMetadata().getName(),
                one(HorizontalPodAutoscaler.class).getSpec().getScaleTargetRef().getName());
    }

    /** application.properties as the image reads it (the test run moves the HTTP port to a free one). */
    static SmallRyeConfig productionConfig() {
        try {
            return new SmallRyeConfigBuilder().withProfile("prod").addDefaultInterceptors()
                    .withSources(new PropertiesConfigSource(APPLICATION_PROPERTIES.toUri().toURL(), 250)).build();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The environment variable names SmallRye maps to a property of this application. */
    static Set<String> knownEnvironmentNames() throws IOException {
        Set<String> properties = new TreeSet<>();
        mappingProperties("helix", HelixConfig.class, properties);
        Config config = ConfigProvider.getConfig();
        StreamSupport.stream(config.getPropertyNames().spliterator(), false)
                .filter(p -> p.startsWith("quarkus.")).forEach(properties::add);
        Set<String> names = new HashSet<>();
        properties.forEach(p -> names.add(p.toUpperCase().replaceAll("[^A-Z0-9]", "_")));
        // variables that application.properties reads by name, e.g. ${HELIX_DB_USER:helix}
        Matcher placeholder = Pattern.compile("\\$\\{([A-Z0-9_]+)")
                .matcher(Files.readString(APPLICATION_PROPERTIES));
        while (placeholder.find()) {
            names.add(placeholder.group(1));
        }
        return names;
    }

    static void mappingProperties(String prefix, Class<?> mapping, Set<String> into) {
        for (Method method : mapping.getDeclaredMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || method.getParameterCount() > 0) {
                continue;
            }
            WithName renamed = method.getAnnotation(WithName.class);
            String name = prefix + "." + (renamed != null ? renamed.value()
                    : method.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase());
            if (method.getReturnType().isInterface() && method.getReturnType().getEnclosingClass() == HelixConfig.class) {
                mappingProperties(name, method.getReturnType(), into);
            } else {
                into.add(name);
            }
        }
    }

    /** Parses one manifest and fails on anything the schema does not know, at any depth. */
    static HasMetadata strict(String file) {
        String yaml;
        try {
            yaml = Files.readString(K8S.resolve(file));
        } catch (IOException e) {
            throw new AssertionError("k8s/" + file + " is listed but cannot be read", e);
        }
        Object parsed = SERIALIZATION.unmarshal(yaml);
        assertFalse(parsed instanceof GenericKubernetesResource, file + ": unknown apiVersion/kind");
        List<String> unknown = new ArrayList<>();
        unknownFields(parsed, file, unknown);
        assertEquals(List.of(), unknown, "fields the Kubernetes schema does not have");
        return (HasMetadata) parsed;
    }

    static void unknownFields(Object node, String path, List<String> into) {
        if (node == null || !node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            if (node instanceof Collection<?> list) {
                list.forEach(item -> unknownFields(item, path + "[]", into));
            } else if (node instanceof Map<?, ?> map) {
                map.forEach((k, v) -> unknownFields(v, path + "." + k, into));
            }
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() > 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            try {
                Object value = getter.invoke(node);
                if (getter.getName().equals("getAdditionalProperties")) {
                    if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        into.add(path + ": " + extra.keySet());
                    }
                } else {
                    unknownFields(value, path + "." + getter.getName().substring(3), into);
                }
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static List<String> kustomizationResources() throws IOException {
        Map<String, Object> kustomization = SERIALIZATION.unmarshal(Files.readString(K8S.resolve("kustomization.yaml")),
                Map.class);
        List<String> files = (List<String>) kustomization.get("resources");
        assertNotNull(files, "kustomization.yaml lists resources");
        assertFalse(files.contains("secret.example.yaml"), "no secret is deployed from git");
        return files;
    }

    static <T> T one(Class<T> kind) {
        List<T> found = resources.stream().filter(kind::isInstance).map(kind::cast).toList();
        assertEquals(1, found.size(), kind.getSimpleName());
        return found.get(0);
    }

    static Deployment deployment() {
        return one(Deployment.class);
    }

    static Container container() {
        List<Container> containers = deployment().getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size());
        return containers.get(0);
    }
}
