import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * WebSocket churn: N idle connections held open, then C connect/drop cycles in waves (each a full upgrade with
 * its implicit session, then a TCP reset with no close frame), then the idle ones dropped too. Reports the
 * service's heap and RSS before, at peak and after its sweeps, and the sessions left behind.
 *
 * Usage: java WsChurn.java <host> <port> <app-pid> <idle> <cycles> <wave>
 */
public class WsChurn {

    static String host;
    static int port;

    public static void main(String[] args) throws Exception {
        host = args[0];
        port = Integer.parseInt(args[1]);
        long pid = Long.parseLong(args[2]);
        int idle = Integer.parseInt(args[3]);
        int cycles = Integer.parseInt(args[4]);
        int wave = Integer.parseInt(args[5]);
        ExecutorService pool = Executors.newFixedThreadPool(32);

        // warm-up: classes loaded, code compiled, pools sized for churn — "before" is the warmed service
        for (int done = 0; done < 5_000; done += wave) {
            for (Socket socket : open(pool, wave)) {
                drop(socket);
            }
        }
        waitForSweeps();
        long[] before = memory(pid);
        report("before (warmed up, swept)", before, stats());

        // idle portals answer the server's pings; these raw ones send a tiny message every 5 s instead
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.ScheduledExecutorService beat = Executors.newSingleThreadScheduledExecutor();
        beat.scheduleAtFixedRate(() -> held.forEach(WsChurn::pong), 5, 5, java.util.concurrent.TimeUnit.SECONDS);
        for (int opened = 0; opened < idle; opened += wave) {
            held.addAll(open(pool, Math.min(wave, idle - opened)));
        }
        long[] peak = memory(pid);
        report("with " + idle + " idle connections", peak, stats());

        long started = System.nanoTime();
        long maxRss = peak[1];
        for (int done = 0; done < cycles; done += wave) {
            for (Socket socket : open(pool, Math.min(wave, cycles - done))) {
                drop(socket);
            }
            maxRss = Math.max(maxRss, rss(pid));
        }
        double churnSeconds = (System.nanoTime() - started) / 1e9;
        long[] afterChurn = memory(pid);
        report(String.format("after %d connect/drop cycles in %.1f s (peak RSS %d MB)", cycles, churnSeconds,
                maxRss / 1024 / 1024), afterChurn, stats());

        beat.shutdownNow();
        for (Socket socket : held) {
            drop(socket);
        }
        long waitStarted = System.nanoTime();
        waitForSweeps();
        long[] after = memory(pid);
        report(String.format("after the sweeps (%.0f s)", (System.nanoTime() - waitStarted) / 1e9), after, stats());
        System.out.printf("RESULT idle=%d cycles=%d rss_before_mb=%d rss_idle_peak_mb=%d rss_churn_peak_mb=%d rss_after_mb=%d "
                        + "heap_before_mb=%d heap_peak_mb=%d heap_after_mb=%d rss_after_vs_before=%.2f sessions_left=%s%n",
                idle, cycles, before[1] >> 20, peak[1] >> 20, Math.max(maxRss, afterChurn[1]) >> 20, after[1] >> 20,
                before[0] >> 20, Math.max(peak[0], afterChurn[0]) >> 20, after[0] >> 20, (double) after[1] / before[1],
                field(stats(), "sessions_active"));
        pool.shutdown();
    }

    static void waitForSweeps() throws Exception {
        String stats = stats();
        long waitStarted = System.nanoTime();
        while (!stats.contains("\"sessions_active\":0,") || !stats.contains("\"active_connections\":0,")) {
            Thread.sleep(1_000);
            stats = stats();
            if (System.nanoTime() - waitStarted > 180e9) {
                break;
            }
        }
        Thread.sleep(3_000); // one more sweep
    }

    private static final byte[] KEEP_ALIVE = masked("{\"type\":\"ping\"}");

    /** A masked text frame (client frames are masked): the client's sign of life. */
    static void pong(Socket socket) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(KEEP_ALIVE);
            out.flush();
        } catch (IOException ignored) {
            // closed by the server meanwhile
        }
    }

    static byte[] masked(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return frame;
    }

    static List<Socket> open(ExecutorService pool, int count) throws Exception {
        List<Future<Socket>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(pool.submit(WsChurn::handshake));
        }
        List<Socket> sockets = new ArrayList<>();
        for (Future<Socket> f : futures) {
            sockets.add(f.get());
        }
        return sockets;
    }

    static Socket handshake() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /ws HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed during the upgrade: " + head);
            }
            head.append((char) c);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + head.toString().lines().findFirst().orElse(""));
        }
        return socket;
    }

    /** Gone without a word: a TCP reset, no close frame. */
    static void drop(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    static String stats() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/ws/stats"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        return m.find() ? m.group(1) : "?";
    }

    /** [heap used after a full GC, RSS] in bytes. */
    static long[] memory(long pid) throws Exception {
        Process gc = new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true).start();
        gc.getInputStream().readAllBytes();
        gc.waitFor();
        Process info = new ProcessBuilder("jcmd", Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
        String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        info.waitFor();
        Matcher used = Pattern.compile("used (\\d+)K").matcher(text);
        return new long[]{used.find() ? Long.parseLong(used.group(1)) * 1024 : -1, rss(pid)};
    }

    static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    static void report(String when, long[] memory, String stats) {
        System.out.printf("%-60s heap %4d MB  RSS %4d MB  connections %s  sessions %s%n", when, memory[0] >> 20,
                memory[1] >> 20, field(stats, "active_connections"), field(stats, "sessions_active"));
    }
}
