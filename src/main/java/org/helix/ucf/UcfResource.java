package org.helix.ucf;

import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.helix.platform.ProblemException;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Path("/ucf")
@Tag(name = "Public")
@Produces(MediaType.APPLICATION_JSON)
@PermitAll
public class UcfResource {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})([smhd])");
    private static final int MAX_POINTS = 2_000;

    public record Field(double harmony, double resilience, double prana, double drishti, double klesha, double zoom,
                        Phase phase, OffsetDateTime timestamp) {
        static Field of(UcfService.Reading r) {
            Ucf f = r.field();
            return new Field(f.harmony(), f.resilience(), f.prana(), f.drishti(), f.klesha(), f.zoom(), f.phase(),
                    r.updatedAt());
        }
    }

    public record History(String duration, String interval, List<String> metrics, List<Map<String, Object>> points) {
    }

    private final UcfService ucf;

    public UcfResource(UcfService ucf) {
        this.ucf = ucf;
    }

    @GET
    @Operation(summary = "The six metrics of the field and its phase")
    public Uni<Field> current() {
        return ucf.current().map(Field::of);
    }

    @GET
    @Path("history")
    @Operation(summary = "The field over time: the value at the end of each interval bucket")
    public Uni<History> history(@QueryParam("duration") String duration, @QueryParam("interval") String interval,
                                @QueryParam("metrics") String metrics) {
        String durationText = duration == null ? "24h" : duration;
        String intervalText = interval == null ? "5m" : interval;
        Duration span = parse("duration", durationText, Duration.ofDays(30));
        Duration step = parse("interval", intervalText, span);
        if (span.dividedBy(step) > MAX_POINTS) {
            throw ProblemException.invalid("interval", "too fine for this duration: at most " + MAX_POINTS + " points");
        }
        List<String> names = metrics == null ? Ucf.METRICS : Arrays.stream(metrics.split(",")).map(String::trim).toList();
        for (String name : names) {
            if (!Ucf.METRICS.contains(name)) {
                throw ProblemException.invalid("metrics", "unknown metric '" + name + "'; known: " + Ucf.METRICS);
            }
        }
        return ucf.history(span, step).map(buckets -> {
            List<Map<String, Object>> points = new ArrayList<>(buckets.size());
            for (UcfService.Bucket bucket : buckets) {
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("timestamp", bucket.end());
                for (String name : names) {
                    point.put(name, bucket.field().metric(name));
                }
                points.add(point);
            }
            return new History(durationText, intervalText, names, points);
        });
    }

    private static Duration parse(String name, String text, Duration max) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw ProblemException.invalid(name, "must look like 30s, 5m, 24h or 7d");
        }
        long amount = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (d.isZero() || d.compareTo(max) > 0) {
            throw ProblemException.invalid(name, "must be positive and at most " + max.toString().substring(2).toLowerCase());
        }
        return d;
    }
}
