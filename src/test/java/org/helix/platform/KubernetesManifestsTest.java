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
import java.util.HashMap;
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
 * k8s/base read with the Kubernetes schema (fabric8's model; a field it does not know is a defect) and checked
 * against this application: probes answer, the port is the HTTP port, every variable is a real setting. The
 * CloudNativePG cluster and its overlay use kinds fabric8 does not model: they are read as plain YAML and checked
 * for the fields that matter. No cluster runs here, so this is what stands between a typo and a failed rollout.
 */
@QuarkusTest
class KubernetesManifestsTest {

    static final Path K8S = Path.of("k8s/base");
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

    @Test
    void kubectlApplyOnK8sAppliesTheBase() throws IOException {
        assertEquals(List.of("base"), yaml(Path.of("k8s/kustomization.yaml")).get("resources"));
    }

    @Test
    void thePostgresClusterKeepsThreeInstancesOnThreeNodesWithSynchronousCommits() throws IOException {
        Map<String, Object> cluster = cnpgCluster();
        assertEquals("postgresql.cnpg.io/v1", cluster.get("apiVersion"));
        Map<String, Object> spec = map(cluster, "spec");
        List<String> unknown = spec.keySet().stream().filter(k -> !CNPG_CLUSTER_SPEC.contains(k)).toList();
        assertEquals(List.of(), unknown, "fields a CloudNativePG Cluster spec does not have");
        assertEquals(3, spec.get("instances"));

        Map<String, Object> sync = map(map(spec, "postgresql"), "synchronous");
        assertTrue(List.of("any", "first").contains(sync.get("method")), "synchronous.method");
        int number = (Integer) sync.get("number");
        assertTrue(number >= 1 && number < 3, "a commit waits for at least one replica, never for all of them");
        assertEquals("required", sync.get("dataDurability"), "no commit acknowledged by the primary alone");
        assertFalse(spec.containsKey("minSyncReplicas") || spec.containsKey("maxSyncReplicas"),
                "the deprecated settings are not mixed with the synchronous stanza");

        Map<String, Object> affinity = map(spec, "affinity");
        assertEquals(true, affinity.get("enablePodAntiAffinity"));
        assertEquals("required", affinity.get("podAntiAffinityType"), "one instance per node, not just preferably");
        assertEquals("kubernetes.io/hostname", affinity.get("topologyKey"));
        assertNotNull(map(spec, "storage").get("size"));
        Map<String, Object> initdb = map(map(spec, "bootstrap"), "initdb");
        assertNotNull(initdb.get("database"));
        assertNotNull(initdb.get("owner"));
        assertTrue(Files.readString(Path.of("k8s/postgres/cluster.yaml")).contains("BACKUPS"),
                "the backup section is there for the operator to fill in");
        assertEquals(List.of("cluster.yaml"), yaml(Path.of("k8s/postgres/kustomization.yaml")).get("resources"));
    }

    @Test
    void theCnpgOverlayPointsTheServiceAtTheReadWriteServiceAndTheGeneratedSecret() throws IOException {
        Path overlay = Path.of("k8s/overlays/cnpg");
        Map<String, Object> kustomization = yaml(overlay.resolve("kustomization.yaml"));
        assertEquals(List.of("../../base", "../../postgres"), kustomization.get("resources"));
        Map<String, Object> cluster = cnpgCluster();
        String name = (String) map(cluster, "metadata").get("name");
        Map<String, Object> initdb = map(map(map(cluster, "spec"), "bootstrap"), "initdb");

        Map<Class<?>, HasMetadata> patches = new HashMap<>();
        @SuppressWarnings("unchecked")
        List<Map<String, String>> listed = (List<Map<String, String>>) kustomization.get("patches");
        listed.forEach(p -> {
            HasMetadata patch = strict(overlay.resolve(p.get("path")));
            patches.put(patch.getClass(), patch);
        });
        ConfigMap settings = (ConfigMap) patches.get(ConfigMap.class);
        assertEquals(one(ConfigMap.class).getMetadata().getName(), settings.getMetadata().getName());
        Map<String, String> data = settings.getData();
        assertEquals(name + "-rw", data.get("HELIX_DB_HOST"), "the read-write Service follows the primary");
        assertEquals(initdb.get("database"), data.get("HELIX_DB_NAME"));
        Set<String> known = knownEnvironmentNames();
        assertEquals(List.of(), data.keySet().stream().filter(v -> !known.contains(v)).toList(), "unknown variables");
        Map<String, String> merged = new HashMap<>(one(ConfigMap.class).getData());
        merged.putAll(data);
        assertTrue(one(NetworkPolicy.class).getSpec().getEgress().stream().flatMap(e -> e.getPorts().stream())
                .anyMatch(p -> merged.get("HELIX_DB_PORT").equals(String.valueOf(p.getPort().getIntVal()))),
                "the NetworkPolicy lets the pods reach the database port");
        Duration deadAfter = duration(merged.get("HELIX_DB_DEAD_AFTER"));
        assertTrue(deadAfter.compareTo(duration(merged.get("HELIX_DB_TIMEOUT"))) > 0
                        && deadAfter.compareTo(duration(merged.get("QUARKUS_DATASOURCE_REACTIVE_IDLE_TIMEOUT"))) > 0,
                "a connection is taken for dead only after the longest healthy silence (a call, an idle spell)");

        Deployment credentials = (Deployment) patches.get(Deployment.class);
        assertEquals(deployment().getMetadata().getName(), credentials.getMetadata().getName());
        Container patched = credentials.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(container().getName(), patched.getName());
        Map<String, String> keys = Map.of("HELIX_DB_USER", "username", "HELIX_DB_PASSWORD", "password");
        assertEquals(keys.keySet(), Set.copyOf(patched.getEnv().stream().map(EnvVar::getName).toList()));
        for (EnvVar env : patched.getEnv()) {
            assertEquals(name + "-app", env.getValueFrom().getSecretKeyRef().getName(), "the Secret CloudNativePG generates");
            assertEquals(keys.get(env.getName()), env.getValueFrom().getSecretKeyRef().getKey());
        }
    }

    /** The fields of a CloudNativePG Cluster's spec this repository may use (a typo is not silently ignored). */
    static final Set<String> CNPG_CLUSTER_SPEC = Set.of("instances", "imageName", "imageCatalogRef",
            "primaryUpdateStrategy", "primaryUpdateMethod", "postgresql", "bootstrap", "storage", "walStorage",
            "affinity", "resources", "backup", "plugins", "monitoring", "managed", "enableSuperuserAccess",
            "superuserSecret", "certificates", "startDelay", "stopDelay", "switchoverDelay", "failoverDelay",
            "smartShutdownTimeout", "tablespaces", "topologySpreadConstraints", "env", "envFrom", "description",
            "inheritedMetadata", "logLevel", "priorityClassName", "schedulerName", "serviceAccountTemplate",
            "replica", "externalClusters", "enablePDB", "probes", "postgresUID", "postgresGID", "projectedVolumeTemplate");

    static Map<String, Object> cnpgCluster() throws IOException {
        Map<String, Object> cluster = yaml(Path.of("k8s/postgres/cluster.yaml"));
        assertEquals("Cluster", cluster.get("kind"));
        return cluster;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(Path file) throws IOException {
        return SERIALIZATION.unmarshal(Files.readString(file), Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object child = parent.get(key);
        assertTrue(child instanceof Map, key + " is a mapping");
        return (Map<String, Object>) child;
    }

    /** "30s" as the ConfigMap writes it, or ISO-8601 "PT20S". */
    static Duration duration(String value) {
        return Duration.parse(value.startsWith("PT") ? value : "PT" + value.toUpperCase());
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

    /** Parses one manifest of the base and fails on anything the schema does not know, at any depth. */
    static HasMetadata strict(String file) {
        return strict(K8S.resolve(file));
    }

    static HasMetadata strict(Path path) {
        String file = path.toString();
        String yaml;
        try {
            yaml = Files.readString(path);
        } catch (IOException e) {
            throw new AssertionError(file + " is listed but cannot be read", e);
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
