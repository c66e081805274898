package org.helix.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.quarkus.test.junit.QuarkusTest;
import org.helix.support.Scrape;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.helix.platform.KubernetesManifestsTest.map;
import static org.helix.platform.KubernetesManifestsTest.strict;
import static org.helix.platform.KubernetesManifestsTest.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * k8s/monitoring against the running service: every series the Grafana dashboard and the alert rules query is
 * exported by /q/metrics under that name (counters with _total, histograms with _bucket, _sum, _count), and every
 * label value they match exactly exists — a renamed metric breaks this test, not an operator's night.
 */
@QuarkusTest
class MonitoringFilesTest {

    static final Path MONITORING = Path.of("k8s/monitoring");
    /** A series selector: a metric name of ours (or the pool's), then its label matchers if any. */
    static final Pattern SELECTOR = Pattern.compile("\\b((?:helix|sql_pool)_[a-z0-9_]+)(\\{([^}]*)})?");
    static final Pattern MATCHER = Pattern.compile("([a-z_]+)\\s*(=~|=)\\s*\"([^\"]*)\"");

    @Test
    void everySeriesTheDashboardAndTheRulesUseIsExported() throws IOException {
        List<String> expressions = new ArrayList<>(dashboardExpressions());
        int fromDashboard = expressions.size();
        ruleExpressions().forEach(rule -> expressions.add((String) rule.get("expr")));
        assertTrue(fromDashboard >= 20 && expressions.size() - fromDashboard >= 6,
                "the dashboard's panels and the rules were read: " + fromDashboard + " + " + (expressions.size() - fromDashboard));

        Set<String> used = new TreeSet<>();
        // gauges that periodic jobs keep (the agent census every 5 s) appear after their first run
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertEquals(List.of(), missing(expressions, used),
                "used by k8s/monitoring but not on /q/metrics"));
        for (String name : List.of("helix_rituals_started_total", "helix_rituals_finished_total", "helix_steps_completed_total",
                "helix_step_handoff_seconds_bucket", "helix_lease_wait_seconds_bucket", "helix_leases_revoked_total",
                "helix_agents", "helix_sessions_active", "helix_event_streams", "helix_database_up",
                "helix_database_probe_seconds", "helix_rituals_stuck", "helix_retention_purged_total",
                "helix_retention_overdue_seconds", "sql_pool_active", "sql_pool_queue_size")) {
            assertTrue(used.contains(name), name + " is shown or alerted on");
        }
    }

    @Test
    void theRulesAreAPrometheusRuleWithAnAlertForEachOperatorConcern() throws IOException {
        Map<String, Object> rule = yaml(MONITORING.resolve("prometheus-rules.yaml"));
        assertEquals("monitoring.coreos.com/v1", rule.get("apiVersion"));
        assertEquals("PrometheusRule", rule.get("kind"));
        Set<String> alerts = new HashSet<>();
        for (Map<String, Object> r : ruleExpressions()) {
            alerts.add((String) r.get("alert"));
        }
        assertTrue(alerts.containsAll(Set.of("HelixRitualsStuck", "HelixLeaseTimeoutsRising", "HelixAgentsGoingOffline",
                "HelixDatabasePoolSaturated", "HelixDatabaseProbeFailing", "HelixRetentionFallingBehind")), alerts.toString());
    }

    @Test
    void theServiceMonitorScrapesTheServicesHttpPortAtTheMetricsPath() throws IOException {
        Map<String, Object> monitor = yaml(MONITORING.resolve("servicemonitor.yaml"));
        assertEquals("ServiceMonitor", monitor.get("kind"));
        Service service = (Service) strict("service.yaml");
        Map<String, Object> spec = map(monitor, "spec");
        @SuppressWarnings("unchecked")
        Map<String, String> selector = (Map<String, String>) map(spec, "selector").get("matchLabels");
        assertTrue(service.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()),
                "the ServiceMonitor selects the Service by its labels");
        @SuppressWarnings("unchecked")
        Map<String, Object> endpoint = ((List<Map<String, Object>>) spec.get("endpoints")).get(0);
        assertEquals(service.getSpec().getPorts().get(0).getName(), endpoint.get("port"));
        Deployment deployment = (Deployment) strict("deployment.yaml");
        assertEquals(deployment.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/path"),
                endpoint.get("path"));

        Map<String, Object> kustomization = yaml(MONITORING.resolve("kustomization.yaml"));
        assertEquals(List.of("servicemonitor.yaml", "prometheus-rules.yaml"), kustomization.get("resources"));
        assertTrue(Files.readString(MONITORING.resolve("kustomization.yaml")).contains("grafana-dashboard.json"));
        assertFalse(KubernetesManifestsTest.kustomizationResources().stream().anyMatch(r -> r.contains("monitoring")),
                "optional: the base does not need the Prometheus Operator");
    }

    /** The series (and exact label values) the expressions select that the scrape does not have. */
    static List<String> missing(List<String> expressions, Set<String> used) {
        String scrape = Scrape.scrape();
        List<String> missing = new ArrayList<>();
        for (String expression : expressions) {
            Matcher selector = SELECTOR.matcher(expression);
            while (selector.find()) {
                String name = selector.group(1);
                used.add(name);
                if (!exported(scrape, name, null)) {
                    missing.add(name);
                    continue;
                }
                Matcher matcher = MATCHER.matcher(selector.group(3) == null ? "" : selector.group(3));
                while (matcher.find()) {
                    if (matcher.group(3).contains("$")) {
                        continue; // a dashboard variable (namespace), filled in by Grafana
                    }
                    List<String> values = matcher.group(2).equals("=~") ? List.of(matcher.group(3).split("\\|"))
                            : List.of(matcher.group(3));
                    for (String value : values) {
                        String label = matcher.group(1) + "=\"" + value + "\"";
                        if (!exported(scrape, name, label)) {
                            missing.add(name + "{" + label + "}");
                        }
                    }
                }
            }
        }
        return missing;
    }

    /** True when the scrape has a sample of this metric (with this label, if given). */
    static boolean exported(String scrape, String name, String label) {
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ").matcher(scrape);
        while (sample.find()) {
            if (label == null || (sample.group(1) != null && sample.group(1).contains(label))) {
                return true;
            }
        }
        return false;
    }

    static List<String> dashboardExpressions() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(MONITORING.resolve("grafana-dashboard.json").toFile());
        List<String> expressions = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertTrue(ids.add(panel.get("id").asInt()), "panel ids are unique");
            for (JsonNode target : panel.path("targets")) {
                assertEquals("${datasource}", target.path("datasource").path("uid").asText(), "the chosen data source");
                expressions.add(target.get("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.has("definition")) {
                expressions.add(variable.get("definition").asText());
            }
        }
        return expressions;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> ruleExpressions() throws IOException {
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) map(yaml(MONITORING.resolve("prometheus-rules.yaml")),
                "spec").get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                assertNotNull(rule.get("alert"));
                assertNotNull(rule.get("expr"), rule.get("alert") + " has an expression");
                assertNotNull(((Map<String, Object>) rule.get("labels")).get("severity"), rule.get("alert") + " severity");
                assertNotNull(((Map<String, Object>) rule.get("annotations")).get("summary"), rule.get("alert") + " summary");
                rules.add(rule);
            }
        }
        return rules;
    }
}
