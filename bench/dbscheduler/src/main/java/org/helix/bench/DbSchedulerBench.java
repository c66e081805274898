package org.helix.bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.TaskDescriptor;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process peer of bench/Driver.java: db-scheduler running the same chains, R rituals of `steps` steps, on
 * the same PostgreSQL. A step is a one-time task instance "ritual/step" whose execution handler does no work but
 * schedule step n+1 for now, with immediate execution on, as an application built on db-scheduler would chain them.
 *
 * Handoff is measured the way the driver measures it for the service: from the moment step n's work is done and
 * its handler asks for step n+1 (the driver: sends the completion with lease_next) to the start of step n+1's
 * handler (the driver: holds the lease). A step counts as completed once db-scheduler has finished it (its row
 * deleted and the completion reported to listeners), the elapsed time runs from scheduling the first ritual to
 * the last completion.
 *
 * Usage: java -jar dbscheduler-bench.jar <jdbc-url> <postmaster-pid> <steps> <polling,...> <threads,...> <R>...
 * with polling strategies fetch-and-lock-on-execute (db-scheduler's default) and/or lock-and-fetch. Runs an unreported
 * warm-up round, then for each polling strategy and thread count one round per R; one key=value line per round.
 */
public final class DbSchedulerBench {

    static final TaskDescriptor<Void> STEP = TaskDescriptor.of("step");
    static final AtomicInteger ritualIds = new AtomicInteger();

    static int steps;
    static volatile int total;
    static volatile CountDownLatch done;
    static final AtomicInteger completed = new AtomicInteger();
    static final AtomicLong errors = new AtomicLong();
    static final AtomicInteger doubled = new AtomicInteger();
    /** When step n's handler asked for step n+1, and when each step's handler started; keys "ritual/step". */
    static final Map<String, Long> nextRequested = new ConcurrentHashMap<>();
    static final Map<String, Long> started = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        String url = args[0];
        long postmaster = Long.parseLong(args[1]);
        steps = Integer.parseInt(args[2]);
        String[] pollings = args[3].split(",");
        String[] threadCounts = args[4].split(",");

        OneTimeTask<Void> step = Tasks.oneTime(STEP).execute((instance, context) -> {
            long now = System.nanoTime();
            String key = instance.getId();
            if (started.putIfAbsent(key, now) != null) {
                doubled.incrementAndGet();
            }
            int slash = key.indexOf('/');
            int n = Integer.parseInt(key.substring(slash + 1));
            if (n + 1 < steps) {
                nextRequested.put(key, System.nanoTime());
                if (!context.getSchedulerClient().scheduleIfNotExists(
                        STEP.instance(key.substring(0, slash) + "/" + (n + 1)).scheduledTo(Instant.now()))) {
                    errors.incrementAndGet(); // step n+1 existed already: step n ran twice
                }
            }
        });
        AbstractSchedulerListener outcomes = new AbstractSchedulerListener() {
            @Override
            public void onExecutionComplete(ExecutionComplete complete) {
                if (complete.getResult() != ExecutionComplete.Result.OK) {
                    errors.incrementAndGet();
                } else if (completed.incrementAndGet() == total) {
                    done.countDown();
                }
            }

            @Override
            public void onSchedulerEvent(SchedulerEventType type) {
                switch (type) {
                    case UNEXPECTED_ERROR, FAILED_HEARTBEAT, DEAD_EXECUTION, UNRESOLVED_TASK -> errors.incrementAndGet();
                    default -> {
                    }
                }
            }
        };

        boolean warmUp = true;
        for (String polling : pollings) {
            for (String threads : threadCounts) {
                int[] rituals = Arrays.stream(args, 5, args.length).mapToInt(Integer::parseInt).toArray();
                run(url, step, outcomes, polling, Integer.parseInt(threads), warmUp, rituals, postmaster);
                warmUp = false;
            }
        }
    }

    /** One scheduler with this configuration, on its own connection pool, for one round per R. */
    static void run(String url, OneTimeTask<Void> step, AbstractSchedulerListener outcomes, String polling, int threads,
                    boolean warmUp, int[] rounds, long postmaster) throws Exception {
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(url);
        pool.setMaximumPoolSize(threads + 2); // a connection for every executing thread and the poller
        try (HikariDataSource dataSource = new HikariDataSource(pool)) {
            SchedulerBuilder builder = Scheduler.create(dataSource, step)
                    .threads(threads)
                    .pollingInterval(Duration.ofMillis(10))
                    .enableImmediateExecution()
                    .addSchedulerListener(outcomes);
            switch (polling) {
                case "fetch-and-lock-on-execute" -> builder.pollUsingFetchAndLockOnExecute(0.5, 3.0); // the default
                case "lock-and-fetch" -> builder.pollUsingLockAndFetch(1.0, 4.0); // its advice for high throughput
                default -> throw new IllegalArgumentException("unknown polling strategy " + polling);
            }
            Scheduler scheduler = builder.build();
            scheduler.start();
            try {
                if (warmUp) {
                    round(scheduler, dataSource, 50, postmaster); // the JIT compiles the hot paths
                    // the statistics autovacuum would keep, as the service's rounds have them (bench/Driver.java)
                    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                        s.execute("vacuum analyze scheduled_tasks");
                    }
                }
                for (int rituals : rounds) {
                    System.out.printf("polling=%s threads=%d R=%d %s%n", polling, threads, rituals,
                            round(scheduler, dataSource, rituals, postmaster));
                }
            } finally {
                scheduler.stop();
            }
        }
    }

    /** R rituals driven to completion by this scheduler; returns the round's figures. */
    static String round(Scheduler scheduler, HikariDataSource dataSource, int rituals, long postmaster) throws Exception {
        total = rituals * steps;
        completed.set(0);
        errors.set(0);
        doubled.set(0);
        nextRequested.clear();
        started.clear();
        done = new CountDownLatch(1);
        // the table holds the executions in flight only, so a round starts from an empty one without truncating it
        double ownCpu = Proc.cpuSeconds(ProcessHandle.current().pid());
        double pgCpu = Proc.clusterCpuSeconds(postmaster);
        double machineCpu = Proc.machineBusySeconds();
        long begin = System.nanoTime();
        for (int i = 0; i < rituals; i++) {
            scheduler.scheduleIfNotExists(STEP.instance(ritualIds.incrementAndGet() + "/0").scheduledTo(Instant.now()));
        }
        if (!done.await(600, TimeUnit.SECONDS)) {
            System.err.println("timed out with " + completed.get() + " of " + total + " steps");
        }
        long elapsedNanos = System.nanoTime() - begin;
        ownCpu = Proc.cpuSeconds(ProcessHandle.current().pid()) - ownCpu;
        pgCpu = Proc.clusterCpuSeconds(postmaster) - pgCpu;
        machineCpu = Proc.machineBusySeconds() - machineCpu;
        long[] handoffs = nextRequested.entrySet().stream().mapToLong(e -> {
            int slash = e.getKey().indexOf('/');
            Long next = started.get(e.getKey().substring(0, slash) + "/" + (Integer.parseInt(e.getKey().substring(slash + 1)) + 1));
            return next == null ? -1 : next - e.getValue();
        }).filter(h -> h >= 0).sorted().toArray();
        int missing = total - started.size();
        long left;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select count(*) from scheduled_tasks")) {
            r.next();
            left = r.getLong(1);
        }
        double seconds = elapsedNanos / 1e9;
        int n = Math.max(1, completed.get());
        return String.format("steps=%d seconds=%.3f steps_per_s=%.1f handoff_p50_ms=%.3f handoff_p99_ms=%.3f "
                        + "handoff_p999_ms=%.3f handoffs=%d errors=%d doubled=%d missing=%d rows_left=%d "
                        + "proc_cpu_us_per_step=%.0f pg_cpu_us_per_step=%.0f machine_cpu_us_per_step=%.0f",
                completed.get(), seconds, completed.get() / seconds, pct(handoffs, 0.50), pct(handoffs, 0.99),
                pct(handoffs, 0.999), handoffs.length, errors.get(), doubled.get(), missing, left,
                ownCpu * 1e6 / n, pgCpu * 1e6 / n, machineCpu * 1e6 / n);
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] / 1e6;
    }

    /**
     * CPU time from /proc, as bench/Driver.java reads it (the same method there: a single-file program cannot share
     * a class with this project).
     */
    static final class Proc {
        static final double TICKS_PER_SECOND = 100; // USER_HZ on Linux

        /** utime, stime, cutime, cstime of a process, in ticks; zeros when it is gone. */
        static long[] times(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                // the command name may hold spaces: the fields that follow start after its closing parenthesis
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return new long[]{Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
            } catch (IOException | RuntimeException gone) {
                return new long[4];
            }
        }

        static double cpuSeconds(long pid) {
            long[] t = times(pid);
            return (t[0] + t[1]) / TICKS_PER_SECOND;
        }

        /** CPU time the whole machine has spent busy so far (all cores; /proc/stat: everything but idle and iowait). */
        static double machineBusySeconds() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long busy = 0;
                for (int i : new int[]{1, 2, 3, 6, 7}) { // user nice system irq softirq (not steal: another guest's)
                    busy += Long.parseLong(f[i]);
                }
                return busy / TICKS_PER_SECOND;
            } catch (IOException | RuntimeException unreadable) {
                return Double.NaN;
            }
        }

        /**
         * The whole PostgreSQL cluster's CPU so far: the postmaster, every live child (backends, autovacuum, WAL
         * writer, checkpointer, ...), and the children that have exited, which the postmaster has reaped into its
         * cumulative children times. A difference of two readings is then the cluster's CPU in between, including
         * backends that started or ended in between.
         */
        static double clusterCpuSeconds(long postmaster) {
            long[] pm = times(postmaster);
            long ticks = pm[0] + pm[1] + pm[2] + pm[3];
            for (ProcessHandle child : ProcessHandle.of(postmaster).map(p -> p.children().toList()).orElse(java.util.List.of())) {
                long[] t = times(child.pid());
                ticks += t[0] + t[1];
            }
            return ticks / TICKS_PER_SECOND;
        }
    }
}
