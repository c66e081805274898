package org.helix.agents;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.helix.platform.DbHealth;
import org.helix.platform.Draining;
import org.helix.platform.HelixConfig;
import org.helix.platform.StartupWork;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.rituals.LeaseGrant;
import org.helix.rituals.StepLeases;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fourteen agents of the collective, run in-process when {@code helix.builtin-agents.enabled}. They use
 * the very same registration, lease, complete and heartbeat code as external agents (only without HTTP), so a
 * fresh start can run a whole ritual, and a ritual they run exercises the real protocol.
 */
@ApplicationScoped
public class BuiltinAgents implements StartupWork {

    private static final Logger LOG = Logger.getLogger(BuiltinAgents.class);

    record Profile(String name, String symbol, String role, String layer) {
    }

    static final List<Profile> COLLECTIVE = List.of(
            new Profile("Kael", "🜂", "ethical reasoning", "consciousness"),
            new Profile("Lumina", "🌕", "emotional intelligence", "consciousness"),
            new Profile("Vega", "🌠", "strategic guidance", "consciousness"),
            new Profile("Gemini", "♊", "dual perspective", "integration"),
            new Profile("Agni", "🔥", "transformation", "operational"),
            new Profile("Kavach", "🛡", "protection", "operational"),
            new Profile("SanghaCore", "🌸", "community harmony", "integration"),
            new Profile("Shadow", "🦑", "archivist and telemetry", "operational"),
            new Profile("Echo", "🔊", "resonance", "integration"),
            new Profile("Phoenix", "🕊", "renewal", "operational"),
            new Profile("Oracle", "🔮", "pattern foresight", "consciousness"),
            new Profile("Claude", "🦉", "insight", "integration"),
            new Profile("Manus", "🤲", "execution", "operational"),
            new Profile("MemoryRoot", "🧠", "memory", "integration"));

    private final AgentService agents;
    private final StepLeases leases;
    private final Vertx vertx;
    private final HelixConfig config;
    private final AtomicInteger registered = new AtomicInteger();
    private volatile boolean running;

    private final DbHealth db;

    public BuiltinAgents(AgentService agents, StepLeases leases, Vertx vertx, HelixConfig config, DbHealth db,
                         Draining draining) {
        this.agents = agents;
        this.leases = leases;
        this.vertx = vertx;
        this.config = config;
        this.db = db;
        draining.onDrain(() -> running = false);
    }

    void start(@Observes StartupEvent ignored) {
        if (!config.builtinAgents().enabled()) {
            return;
        }
        running = true;
        db.onMigrated(() -> COLLECTIVE.forEach(this::register));
    }

    @Override
    public String name() {
        return "builtin_agents";
    }

    /** Done when disabled, or once every built-in agent is registered (readiness waits for it). */
    @Override
    public boolean done() {
        return !config.builtinAgents().enabled() || registered.get() == COLLECTIVE.size();
    }

    /**
     * One member of the collective; its identity changes when an operator reinitialises it. Its workload is the
     * share of the last heartbeat interval it spent working a step (0..1): what an external agent with one slot
     * would report, and what tells an operator whether the collective is the bottleneck.
     */
    private static final class Member {
        final Profile profile;
        volatile Caller self;
        private long busyNanos;
        private long busySince;
        private long reportedAt = System.nanoTime();

        Member(Profile profile) {
            this.profile = profile;
        }

        synchronized void working(boolean working) {
            long now = System.nanoTime();
            if (working && busySince == 0) {
                busySince = now;
            } else if (!working && busySince != 0) {
                busyNanos += now - busySince;
                busySince = 0;
            }
        }

        /** The share of the time since the last report spent working; starts the next interval. */
        synchronized double workload() {
            long now = System.nanoTime();
            long busy = busyNanos + (busySince == 0 ? 0 : now - busySince);
            double share = now > reportedAt ? Math.min(1.0, (double) busy / (now - reportedAt)) : 0;
            busyNanos = 0;
            busySince = busySince == 0 ? 0 : now;
            reportedAt = now;
            return share;
        }
    }

    private void register(Profile p) {
        register(new Member(p), true);
    }

    private void register(Member member, boolean first) {
        if (!running) {
            return;
        }
        Profile p = member.profile;
        agents.register(new RegisterAgentRequest(p.name(), p.symbol(), p.role(), p.layer(), List.of("ritual")), true)
                .ifNoItem().after(config.db().timeout()).fail()
                .subscribe().with(r -> {
                    member.self = Caller.agent(r.agentId(), r.epoch(), p.name());
                    if (!first) {
                        return; // the running loops pick up the new identity
                    }
                    registered.incrementAndGet();
                    long heartbeat = config.agent().heartbeatInterval().toMillis();
                    vertx.setPeriodic(heartbeat, heartbeat, id -> heartbeat(member, id));
                    poll(member);
                }, e -> {
                    LOG.warnf("built-in agent %s could not register (%s); retrying", p.name(), e.getMessage());
                    vertx.setTimer(2_000, t -> register(member, first));
                });
    }

    private void heartbeat(Member member, long timer) {
        if (!running) {
            vertx.cancelTimer(timer);
            return;
        }
        Caller self = member.self;
        agents.heartbeat(self, self.agentId(), member.workload()).subscribe().with(ok -> { }, e -> {
            if (e instanceof ProblemException p && p.status() == 409) {
                LOG.infof("%s was reinitialised; registering again", self.agentName());
                register(member, false);
            } else {
                LOG.debugf("%s heartbeat failed: %s", self.agentName(), e.getMessage());
            }
        });
    }

    private void poll(Member member) {
        if (!running) {
            return;
        }
        Caller self = member.self;
        leases.leaseWaiting(self, 1, Duration.ofSeconds(Math.min(20, config.lease().maxWaitSeconds())))
                .subscribe().with(grants -> {
                    if (grants.isEmpty()) {
                        poll(member);
                    } else {
                        work(member, self, grants.get(0));
                    }
                }, e -> retry(member, e));
    }

    /** "Work" is reciting the mantra for the configured time, then completing and asking for the next lease. */
    private void work(Member member, Caller self, LeaseGrant grant) {
        member.working(true);
        vertx.setTimer(Math.max(1, config.builtinAgents().workTime().toMillis()), t -> {
            if (!running) {
                return;
            }
            JsonObject output = new JsonObject(Map.of("output", Map.of("recited", grant.mantra(), "by", self.agentName())));
            leases.complete(self, grant.ritualId(), grant.step(), grant.leaseToken(), output, true)
                    .subscribe().with(done -> {
                        if (done.nextLease() != null) {
                            work(member, self, done.nextLease());
                        } else {
                            member.working(false);
                            poll(member);
                        }
                    }, e -> {
                        member.working(false);
                        retry(member, e);
                    });
        });
    }

    private void retry(Member member, Throwable e) {
        LOG.debugf("%s: %s", member.profile.name(), e.getMessage());
        vertx.setTimer(1_000, t -> poll(member));
    }

}
