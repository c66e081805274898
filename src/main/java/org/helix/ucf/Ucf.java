package org.helix.ucf;

import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * The six metrics of the Universal Coherence Field. Harmony and resilience live in 0..2, the others in 0..1.
 */
public record Ucf(double harmony, double resilience, double prana, double drishti, double klesha, double zoom) {

    public static final List<String> METRICS = List.of("harmony", "resilience", "prana", "drishti", "klesha", "zoom");

    /** A full ritual is 108 steps; shorter ones have a proportional effect, longer ones no more than a full one. */
    static final int FULL_RITUAL_STEPS = 108;

    /**
     * The effect of a completed ritual with {@code completedSteps} executed steps. Each metric moves by a fraction of
     * its remaining headroom (diminishing returns), scaled by w = min(steps, 108) / 108:
     * <pre>
     * harmony    += 0.20 w (2 - harmony) / 2     (+0.20 at 0, +0.15 at 0.5, +0.10 at 1.0)
     * resilience += 0.10 w (2 - resilience) / 2
     * prana      += 0.10 w (1 - prana)
     * drishti    += 0.10 w (1 - drishti)
     * klesha     -= 0.20 w klesha
     * zoom       += 0.05 w (1 - zoom)
     * </pre>
     * so a completed ritual always changes the field and never pushes it past its bounds.
     */
    public Ucf afterRitual(int completedSteps) {
        double w = Math.min(Math.max(completedSteps, 0), FULL_RITUAL_STEPS) / (double) FULL_RITUAL_STEPS;
        return new Ucf(
                harmony + 0.20 * w * (2 - harmony) / 2,
                resilience + 0.10 * w * (2 - resilience) / 2,
                prana + 0.10 * w * (1 - prana),
                drishti + 0.10 * w * (1 - drishti),
                klesha - 0.20 * w * klesha,
                zoom + 0.05 * w * (1 - zoom));
    }

    public Phase phase() {
        return Phase.of(this);
    }

    /** Alert thresholds that this field is past: harmony < 0.30, klesha > 0.75, resilience < 0.30. */
    public List<String> alerts() {
        List<String> alerts = new ArrayList<>(3);
        if (harmony < 0.30) {
            alerts.add("harmony");
        }
        if (klesha > 0.75) {
            alerts.add("klesha");
        }
        if (resilience < 0.30) {
            alerts.add("resilience");
        }
        return alerts;
    }

    public double metric(String name) {
        return switch (name) {
            case "harmony" -> harmony;
            case "resilience" -> resilience;
            case "prana" -> prana;
            case "drishti" -> drishti;
            case "klesha" -> klesha;
            case "zoom" -> zoom;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The six metrics by name, in their usual order. */
    public Map<String, Double> metrics() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        METRICS.forEach(name -> metrics.put(name, metric(name)));
        return metrics;
    }

    public static Ucf from(Row row) {
        return new Ucf(row.getDouble("harmony"), row.getDouble("resilience"), row.getDouble("prana"),
                row.getDouble("drishti"), row.getDouble("klesha"), row.getDouble("zoom"));
    }

    public static Ucf from(JsonObject json) {
        return json == null ? null : new Ucf(json.getDouble("harmony"), json.getDouble("resilience"),
                json.getDouble("prana"), json.getDouble("drishti"), json.getDouble("klesha"), json.getDouble("zoom"));
    }

    public JsonObject toJson() {
        return new JsonObject().put("harmony", harmony).put("resilience", resilience).put("prana", prana)
                .put("drishti", drishti).put("klesha", klesha).put("zoom", zoom).put("phase", phase().name());
    }
}
