package org.helix.platform;

import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import org.helix.support.Api;
import org.helix.support.TestDb;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * examples/curl.md cannot go stale: its ```bash blocks run, in order, in one bash against the service, and each
 * answer shown after a block (```json or ```text) is compared with the real one — JSON by shape (the same
 * fields, recursively, with the same JSON types) and by value for the fields a reader relies on; text exactly.
 * The real answers are written to target/curl.md.actual, a copy of the document to take when the API changes.
 */
@QuarkusTest
class CurlWalkthroughTest {

    static final Path DOC = Path.of("examples/curl.md");
    static final Pattern BLOCK = Pattern.compile("```(bash|json|text)\\n(.*?)```", Pattern.DOTALL);
    /** Fields whose values the walkthrough's reader acts on; everything else (ids, times, tokens) varies. */
    static final Set<String> STABLE = Set.of("status", "step", "attempt", "roles", "ritual_status", "steps_completed",
            "steps_total", "title", "name", "participants", "mantra");
    static final ObjectMapper JSON = new ObjectMapper();
    /** As jq prints it: {@code "name": value}. */
    static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter().withSeparators(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withArrayEmptySeparator("").withObjectEmptySeparator(""));

    record Block(String kind, String text, int start, int end) {
    }

    @Test
    void everyCommandInTheWalkthroughAnswersWhatTheDocumentShows() throws Exception {
        TestDb.reset();
        String doc = Files.readString(DOC);
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(doc);
        while (m.find()) {
            blocks.add(new Block(m.group(1), m.group(2), m.start(2), m.end(2)));
        }
        List<String> outputs = run(blocks.stream().filter(b -> b.kind().equals("bash")).map(Block::text).toList());

        List<String> problems = new ArrayList<>();
        StringBuilder actual = new StringBuilder();
        int copied = 0;
        int command = -1;
        int compared = 0;
        for (int i = 0; i < blocks.size(); i++) {
            Block block = blocks.get(i);
            if (block.kind().equals("bash")) {
                command++;
                continue;
            }
            assertTrue(command >= 0 && blocks.get(i - 1).kind().equals("bash"), "an answer block follows a bash block");
            String real = outputs.get(command).strip();
            String where = "answer to command " + (command + 1) + " (\"" + firstLine(blocks.get(i - 1).text()) + "\")";
            String shown;
            if (block.kind().equals("json")) {
                JsonNode expected = JSON.readTree(block.text());
                JsonNode got;
                try {
                    got = JSON.readTree(real);
                } catch (IOException e) {
                    problems.add(where + ": not JSON: " + real);
                    continue;
                }
                compare(where, "", expected, got, problems);
                shown = JSON.writer(PRETTY).writeValueAsString(got);
            } else {
                if (!real.equals(block.text().strip())) {
                    problems.add(where + ": expected " + block.text().strip() + ", got " + real);
                }
                shown = real;
            }
            compared++;
            actual.append(doc, copied, block.start()).append(shown).append('\n');
            copied = block.end();
        }
        actual.append(doc.substring(copied));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/curl.md.actual"), actual);

        assertTrue(compared >= 10, "the walkthrough shows its answers (" + compared + ")");
        assertEquals(List.of(), problems, "examples/curl.md differs from the service (real answers: target/curl.md.actual)");
    }

    /** Runs the blocks in one bash with HELIX_URL and ADMIN_KEY set; returns each block's standard output. */
    static List<String> run(List<String> commands) throws Exception {
        String marker = "@@@block-done@@@";
        StringBuilder script = new StringBuilder("set -euo pipefail\n");
        script.append("command -v jq >/dev/null || { echo 'examples/curl.md needs jq (apt-get install jq)' >&2; exit 1; }\n");
        for (String command : commands) {
            script.append(command).append("\necho\necho ").append(marker).append('\n');
        }
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script.toString()).redirectErrorStream(false);
        builder.environment().put("HELIX_URL", Api.baseUri());
        builder.environment().put("ADMIN_KEY", Api.ADMIN_KEY);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), "the walkthrough's commands ran: " + err + "\n" + out);
        List<String> outputs = new ArrayList<>(List.of(out.split(Pattern.quote(marker + "\n"), -1)));
        assertEquals(commands.size() + 1, outputs.size(), "one output per command: " + out);
        return outputs.subList(0, commands.size());
    }

    static void compare(String where, String path, JsonNode expected, JsonNode got, List<String> problems) {
        if (expected.getNodeType() != got.getNodeType()) {
            problems.add(where + ": " + (path.isEmpty() ? "the answer" : path) + " is " + got.getNodeType() + " (" + got
                    + "), the document shows " + expected.getNodeType());
            return;
        }
        if (expected.isObject()) {
            Set<String> documented = names(expected);
            Set<String> real = names(got);
            if (!documented.equals(real)) {
                Set<String> missing = new TreeSet<>(documented);
                missing.removeAll(real);
                Set<String> extra = new TreeSet<>(real);
                extra.removeAll(documented);
                problems.add(where + ": " + (path.isEmpty() ? "the answer" : path) + " lacks " + missing + " and has "
                        + extra + " beyond the document");
            }
            for (String name : documented) {
                if (got.has(name)) {
                    JsonNode e = expected.get(name);
                    if (STABLE.contains(name) && !e.equals(got.get(name))) {
                        problems.add(where + ": " + path + "." + name + " is " + got.get(name) + ", the document shows " + e);
                    } else {
                        compare(where, path + "." + name, e, got.get(name), problems);
                    }
                }
            }
        } else if (expected.isArray() && expected.size() > 0) {
            for (int i = 0; i < got.size(); i++) {
                compare(where, path + "[" + i + "]", expected.get(Math.min(i, expected.size() - 1)), got.get(i), problems);
            }
            if (got.isEmpty()) {
                problems.add(where + ": " + path + " is empty, the document shows entries");
            }
        } else if (expected.isArray() && got.size() > 0) {
            problems.add(where + ": " + path + " has entries, the document shows none");
        }
    }

    static Set<String> names(JsonNode node) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    static String firstLine(String text) {
        String line = text.strip().lines().filter(l -> !l.startsWith("#")).findFirst().orElse("");
        return line.length() > 70 ? line.substring(0, 70) + "…" : line;
    }
}
