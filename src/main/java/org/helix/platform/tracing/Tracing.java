package org.helix.platform.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A span per state-machine transition, beside the span Quarkus opens for every request: a child of the request's
 * span (a root span when a sweep makes the transition), tagged with {@code helix.ritual_id}, {@code helix.step} and
 * {@code helix.agent} — and the request's span gets the same tags, so a trace search by ritual finds the calls too.
 * Off (one boolean test) when {@link TracingSwitch} has turned the SDK off.
 */
@ApplicationScoped
public class Tracing {

    public static final AttributeKey<String> RITUAL = AttributeKey.stringKey("helix.ritual_id");
    public static final AttributeKey<Long> STEP = AttributeKey.longKey("helix.step");
    public static final AttributeKey<String> AGENT = AttributeKey.stringKey("helix.agent");

    /** What a transition is about, or touched: a ritual, and its step and agent where known (null: not known). */
    public record Subject(UUID ritual, Integer step, UUID agent) {
    }

    private final Tracer tracer;
    private final boolean on;

    public Tracing(Tracer tracer, @ConfigProperty(name = TracingSwitch.DISABLED, defaultValue = "false") boolean disabled) {
        this.tracer = tracer;
        this.on = !disabled;
    }

    /** A transition about one known subject. */
    public <T> Uni<T> transition(String name, Subject subject, Supplier<Uni<T>> work) {
        return transition(name, subject, work, null);
    }

    /**
     * Runs {@code work} and records its span from when it started to when it ended. {@code touched} names what the
     * outcome changed (a sweep's rituals; the ritual a lease found); with exactly one it tags the span, with more
     * each becomes an event on it. A transition that had no subject, found nothing and was asked for by no request
     * — a sweep with nothing to do, every second on every replica — leaves no span.
     */
    public <T> Uni<T> transition(String name, Subject subject, Supplier<Uni<T>> work, Function<T, List<Subject>> touched) {
        if (!on) {
            return work.get();
        }
        return Uni.createFrom().deferred(() -> {
            Context parent = Context.current();
            long startedNanos = epochNanos();
            return work.get().onItemOrFailure().invoke((item, failure) -> {
                List<Subject> subjects = failure == null && touched != null && item != null ? touched.apply(item) : List.of();
                Span request = Span.fromContext(parent);
                boolean requested = request.getSpanContext().isValid();
                if (subject == null && subjects.isEmpty() && !requested && failure == null) {
                    return;
                }
                Span span = tracer.spanBuilder(name).setParent(parent)
                        .setStartTimestamp(startedNanos, TimeUnit.NANOSECONDS).startSpan();
                for (Subject one : subjects.size() == 1 ? Arrays.asList(subject, subjects.get(0)) : Arrays.asList(subject)) {
                    if (one != null) {
                        span.setAllAttributes(attributes(one));
                        if (requested) {
                            request.setAllAttributes(attributes(one));
                        }
                    }
                }
                if (subjects.size() > 1) {
                    subjects.forEach(s -> span.addEvent("touched", attributes(s)));
                }
                if (failure != null) {
                    span.recordException(failure);
                    span.setStatus(StatusCode.ERROR);
                }
                span.end();
            });
        });
    }

    private static Attributes attributes(Subject s) {
        AttributesBuilder a = Attributes.builder();
        if (s.ritual() != null) {
            a.put(RITUAL, s.ritual().toString());
        }
        if (s.step() != null) {
            a.put(STEP, s.step().longValue());
        }
        if (s.agent() != null) {
            a.put(AGENT, s.agent().toString());
        }
        return a.build();
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
    }
}
