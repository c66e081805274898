package org.helix.platform;

/**
 * Bean Validation patterns as JSON Schema patterns. A {@code @Pattern} is a Java regular expression that must
 * match the whole value; a JSON Schema pattern is an ECMA-262 one that matches anywhere in it. So the pattern is
 * anchored, a leading {@code (?s)} becomes {@code [\s\S]} for each {@code .}, and any other syntax outside what
 * both dialects read alike fails the build, naming the pattern, rather than publishing one that clients
 * misread or cannot compile.
 */
final class PortablePatterns {

    /** What SmallRye OpenAPI writes for {@code @NotBlank}: portable already, and meant to match anywhere. */
    static final String NOT_BLANK = "\\S";

    /** Letters that escape the same way in both dialects (classes, controls, code points, back-references). */
    private static final String SHARED_ESCAPES = "dDwWsSbBnrtf123456789xuck";
    private static final String SYNTAX = "^$\\.*+?()[]{}|/";

    private PortablePatterns() {
    }

    static String of(String java) {
        if (java.equals(NOT_BLANK)) {
            return java;
        }
        boolean dotAll = java.startsWith("(?s)");
        String body = dotAll ? java.substring(4) : java;
        StringBuilder out = new StringBuilder("^(?:");
        boolean inClass = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            char next = i + 1 < body.length() ? body.charAt(i + 1) : 0;
            if (c == '\\') {
                boolean shared = Character.isLetterOrDigit(next) ? SHARED_ESCAPES.indexOf(next) >= 0
                        : SYNTAX.indexOf(next) >= 0 || (inClass && next == '-');
                if (!shared || (next == 'x' && i + 2 < body.length() && body.charAt(i + 2) == '{')) {
                    throw refused(java, "the escape \\" + next);
                }
                out.append(c).append(next);
                i++;
            } else if (inClass) {
                if (c == '[' || (c == '&' && next == '&')) {
                    throw refused(java, "a class inside a class");
                }
                inClass = c != ']';
                out.append(c);
            } else if (c == '(' && next == '?' && !group(body, i + 2)) {
                throw refused(java, "inline flags or an atomic group");
            } else if ("*+?}".indexOf(c) >= 0 && next == '+') {
                throw refused(java, "a possessive quantifier");
            } else {
                inClass = c == '[';
                out.append(dotAll && c == '.' ? "[\\s\\S]" : String.valueOf(c));
            }
        }
        return out.append(")$").toString();
    }

    /** After "(?": a non-capturing group, a lookaround or a named group, which both dialects share. */
    private static boolean group(String body, int at) {
        String rest = body.substring(Math.min(at, body.length()));
        return rest.startsWith(":") || rest.startsWith("=") || rest.startsWith("!") || rest.startsWith("<");
    }

    private static IllegalArgumentException refused(String pattern, String what) {
        return new IllegalArgumentException("the pattern \"" + pattern + "\" uses " + what
                + ", which JSON Schema's regular expressions (ECMA-262) do not read as Java does:"
                + " write it in the syntax both share");
    }
}
