package org.helix.platform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Java's whole-value {@code @Pattern}s as JSON Schema (ECMA-262, match-anywhere) patterns. */
class PortablePatternsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " -> ", value = {
            "normal|emergency -> ^(?:normal|emergency)$",
            "[A-Za-z0-9][A-Za-z0-9_.-]{0,63} -> ^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$",
            "(?s).*\\S.* -> ^(?:[\\s\\S]*\\S[\\s\\S]*)$",
            "a\\.b[.] -> ^(?:a\\.b[.])$",
            "(?:x|y)+(?=z)(?<name>\\d)\\k<name> -> ^(?:(?:x|y)+(?=z)(?<name>\\d)\\k<name>)$",
            "\\S -> \\S",
    })
    void patternsAreAnchoredAndWrittenInTheSharedSyntax(String java, String portable) {
        assertEquals(portable, PortablePatterns.of(java));
    }

    @Test
    void theAnchoredPatternAcceptsWhatTheJavaOneAccepts() {
        for (String java : new String[]{"(?s).*\\S.*", "normal|emergency", "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"}) {
            // JSON Schema searches: the anchored pattern found anywhere equals Java's whole-value match
            Pattern anywhere = Pattern.compile(PortablePatterns.of(java));
            for (String value : new String[]{"normal", "abnormal", "emergency!", " \n x \n", "   ", "Kael-1", "-Kael", ""}) {
                assertEquals(value.matches(java), anywhere.matcher(value).find(), java + " on \"" + value + "\"");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"(?i)abc", "a(?>b)", "a++", "\\p{javaLetter}", "\\Aabc\\z", "[a-z&&[^q]]", "\\Qa.b\\E",
            "\\h", "a\\-b"})
    void javaOnlySyntaxFailsTheBuildByName(String java) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> PortablePatterns.of(java));
        assertTrue(refused.getMessage().contains(java), refused.getMessage());
    }
}
