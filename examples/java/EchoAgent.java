import org.helix.sdk.HelixAgent;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A minimal agent on the Java SDK (sdk/). Build the SDK once, then run this file as it is:
 *
 * <pre>
 * ./mvnw -f sdk/pom.xml package
 * HELIX_URL=http://localhost:8080 HELIX_KEY=... HELIX_AGENT_NAME=echo \
 *   java -cp "sdk/target/helix-agent-sdk-1.0.0-SNAPSHOT.jar:sdk/target/lib/*" examples/java/EchoAgent.java
 * </pre>
 *
 * It registers as {@code echo-<host>-<pid>} (unique per process), works two steps at a time, and on SIGTERM or
 * Ctrl-C finishes the steps in hand, deregisters and exits 0.
 */
public class EchoAgent {

    public static void main(String[] args) throws InterruptedException {
        HelixAgent agent = HelixAgent.builder().fromEnvironment()
                .concurrency(2)
                .handler(step -> {
                    // a long step would check step.isCancelled() and call step.reportProgress(...) as it goes
                    System.out.printf("step %d of ritual %s (attempt %d), input %s, previous output %s%n",
                            step.step(), step.ritualId(), step.attempt(), step.input(), step.previousOutput());
                    return Map.of("echo", String.valueOf(step.mantra()), "step", step.step());
                })
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.stop(Duration.ofSeconds(20));
            System.out.println("deregistered " + agent.instanceName());
            stopped.countDown();
        }));
        agent.start();
        System.out.println("registered as " + agent.instanceName());
        stopped.await();
    }
}
