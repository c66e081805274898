package org.helix.platform;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Every duration and bound of the service; the README's configuration section lists them with their defaults. */
@ConfigMapping(prefix = "helix")
public interface HelixConfig {

    Ritual ritual();

    Retry retry();

    Agent agent();

    Lease lease();

    Sweep sweep();

    Session session();

    Events events();

    @WithName("builtin-agents")
    BuiltinAgents builtinAgents();

    Security security();

    @WithName("rate-limit")
    RateLimit rateLimit();

    Db db();

    Shutdown shutdown();

    Discovery discovery();

    /** What /.well-known/helix.json tells new clients beyond what the service knows by itself. */
    interface Discovery {
        @WithDefault("Orchestrates 108-step rituals executed by agents, watched live by portals, repaired by operators")
        String description();

        /** The URL clients should use (behind a proxy or ingress); by default the one the request came in on. */
        Optional<String> baseUrl();

        /** Portals by name (helix.discovery.portals.dashboard=https://...): the Helix Hub clients list them. */
        Map<String, String> portals();
    }

    Retention retention();

    /** How long finished things are kept before the purge ({@code org.helix.retention.Retention}) deletes them. */
    interface Retention {
        /** COMPLETED, FAILED, TIMED_OUT and CANCELLED rituals, with their steps, events, revocations and keys. */
        @WithDefault("30d")
        Duration finishedRituals();

        /** Agents OFFLINE this long (never one a live ritual names or has reserved a step for). */
        @WithDefault("7d")
        Duration offlineAgents();

        @WithDefault("90d")
        Duration audit();

        /** Changes of the field; the last one before the cutoff stays, as the value the history starts from. */
        @WithDefault("30d")
        Duration ucfHistory();

        /** How often the purge looks for what is due. */
        @WithDefault("1m")
        Duration interval();
    }

    interface Shutdown {
        /** How long SIGTERM waits for the requests in flight when it came (then quarkus.shutdown.delay, then exit). */
        @WithDefault("8s")
        Duration grace();
    }

    interface Ritual {
        @WithDefault("600s")
        Duration deadline();

        @WithDefault("30s")
        Duration stepTimeout();

        @WithDefault("3")
        int maxAttempts();

        /** Upper bound a client may ask for as deadline_seconds. */
        @WithDefault("86400s")
        Duration maxDeadline();

        @WithDefault("3600s")
        Duration maxStepTimeout();

        @WithDefault("24h")
        Duration idempotencyWindow();
    }

    interface Retry {
        @WithDefault("1s")
        Duration initial();

        @WithDefault("2")
        double factor();

        @WithDefault("30s")
        Duration max();

        @WithDefault("0.2")
        double jitter();

        /** After a lost attempt, how long the step waits for another agent before its last one may take it again. */
        @WithDefault("5s")
        Duration preferOtherAgentFor();
    }

    interface Agent {
        @WithDefault("30s")
        Duration heartbeatInterval();

        @WithDefault("45s")
        Duration staleAfter();

        @WithDefault("90s")
        Duration offlineAfter();
    }

    interface Lease {
        @WithDefault("30")
        int maxWaitSeconds();

        @WithDefault("16")
        int maxBatch();
    }

    interface Sweep {
        @WithDefault("1s")
        Duration interval();

        @WithDefault("500")
        int batchSize();

        @WithDefault("true")
        boolean enabled();
    }

    interface Session {
        @WithDefault("24h")
        Duration ttl();

        @WithDefault("300s")
        Duration idleTimeout();

        @WithDefault("5")
        int maxPerPrincipal();

        @WithDefault("30s")
        Duration pingInterval();

        /**
         * Events held in memory for one stream. A stream that falls further behind is not closed for it: it reads
         * on from the event log at its own pace (see EventHub).
         */
        @WithDefault("1024")
        int outboundQueue();

        /** A stream none of whose writes has completed for this long has stopped reading: closed with 1013. */
        @WithDefault("30s")
        Duration stallTimeout();

        @WithDefault("1000")
        int maxConnectionsPerIp();

        /** Server-Sent Event streams one principal may hold open on a replica (WebSockets count as sessions). */
        @WithDefault("50")
        int maxSsePerPrincipal();

        @WithDefault("5s")
        Duration sweepInterval();
    }

    interface Events {
        @WithDefault("1h")
        Duration retention();

        @WithDefault("5s")
        Duration ucfUpdateInterval();

        /** How long the live stream waits for a missing event id before deciding its transaction rolled back. */
        @WithDefault("2s")
        Duration gapTimeout();

        @WithDefault("1s")
        Duration idlePoll();
    }

    interface BuiltinAgents {
        @WithDefault("false")
        boolean enabled();

        @WithDefault("100ms")
        Duration workTime();
    }

    interface Security {
        /** The first admin key (from a Kubernetes Secret); without it only keys created through the API work. */
        Optional<String> bootstrapAdminKey();

        @WithDefault("10s")
        Duration cacheTtl();
    }

    interface RateLimit {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("100")
        long anonymousPerMinute();

        @WithDefault("1000")
        long keyPerMinute();
    }

    interface Db {
        String host();

        int port();

        String name();

        /** Bound on any single database call made by a request or a sweep (also the server's statement_timeout). */
        @WithDefault("10s")
        Duration timeout();

        /** Bound on waiting for a pooled connection. */
        @WithDefault("30s")
        Duration acquisitionTimeout();

        /** Requests waiting for a connection beyond this many are refused at once (503). */
        @WithDefault("1000")
        int maxWaitQueue();

        @WithDefault("3s")
        Duration connectTimeout();

        /**
         * A pooled connection that has received nothing for this long is closed. Without it a connection whose
         * peer vanished silently (a NAT or firewall losing its state, a host power loss) waits for an answer
         * until the kernel gives up, minutes later, and the pool slowly fills with them. Must exceed
         * {@link #timeout()}, which bounds every healthy answer, and the pool's idle timeout.
         */
        @WithDefault("90s")
        Duration deadAfter();

        /** How often the database is probed for readiness (and, while it is down, for its return). */
        @WithDefault("1s")
        Duration probeInterval();

        /**
         * Group commit of step completions: at most this many completing statements run at once; completions that
         * arrive meanwhile wait and go together in the next one (so an idle service sends each at once, a busy
         * one commits many per round trip). About one per database core.
         */
        @WithDefault("2")
        int completionsInFlight();

        /** At most this many completions in one statement. */
        @WithDefault("64")
        int completionsPerStatement();
    }
}
