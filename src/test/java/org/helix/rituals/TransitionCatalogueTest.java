package org.helix.rituals;

import org.helix.support.TestDb;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transition table, the statuses' legal targets and the schema's CHECK constraints say the same thing: every
 * move of every transition is legal, every legal target is used by some transition, and the database accepts
 * exactly the statuses the code knows (read from the migrated schema itself, not from the migration's text).
 */
class TransitionCatalogueTest {

    @Test
    void everyMoveOfEveryTransitionIsALegalOne() {
        for (Transition t : Transition.values()) {
            for (Transition.Move<RitualStatus> move : t.ritual) {
                for (RitualStatus from : move.from()) {
                    assertTrue(from.targets().contains(move.to()), t + ": ritual " + from + " -> " + move.to());
                }
            }
            for (Transition.Move<StepStatus> move : t.steps) {
                for (StepStatus from : move.from()) {
                    assertTrue(from == move.to() || from.targets().contains(move.to()), t + ": step " + from + " -> " + move.to());
                }
            }
        }
    }

    @Test
    void everyLegalTargetIsReachedBySomeTransition() {
        for (RitualStatus from : RitualStatus.values()) {
            for (RitualStatus to : from.targets()) {
                assertTrue(Arrays.stream(Transition.values()).anyMatch(t -> t.ritual.stream()
                        .anyMatch(m -> m.from().contains(from) && m.to() == to)), "no transition makes a ritual " + from + " -> " + to);
            }
        }
        for (StepStatus from : StepStatus.values()) {
            for (StepStatus to : from.targets()) {
                assertTrue(Arrays.stream(Transition.values()).anyMatch(t -> t.steps.stream()
                        .anyMatch(m -> m.from().contains(from) && m.to() == to)), "no transition makes a step " + from + " -> " + to);
            }
        }
    }

    @Test
    void theSchemaAcceptsExactlyTheStatusesTheCodeKnows() {
        TestDb.migrate();
        assertEquals(names(RitualStatus.values()), checked("ritual"));
        assertEquals(names(StepStatus.values()), checked("step"));
    }

    @Test
    void theStatusSetsTheStatementsUseAreTheDocumentedOnes() {
        assertEquals(EnumSet.of(RitualStatus.PENDING, RitualStatus.RUNNING), RitualStatus.RUNNABLE);
        assertTrue(RitualStatus.LIVE.containsAll(RitualStatus.RUNNABLE));
        assertEquals("'PENDING', 'RUNNING'", RitualStatus.sql(RitualStatus.RUNNABLE));
        assertEquals(EnumSet.of(RitualStatus.COMPLETED, RitualStatus.CANCELLED),
                EnumSet.copyOf(Arrays.stream(RitualStatus.values()).filter(s -> s.targets().isEmpty()).toList()),
                "only a completed or cancelled ritual is over for good");
    }

    private static Set<String> names(Enum<?>[] values) {
        Set<String> names = new TreeSet<>();
        Arrays.stream(values).forEach(v -> names.add(v.name()));
        return names;
    }

    /** The values the status column's CHECK constraint allows, as PostgreSQL reports the constraint. */
    private static Set<String> checked(String table) {
        String definition = TestDb.text("""
                select pg_get_constraintdef(c.oid) from pg_constraint c join pg_class t on t.oid = c.conrelid
                where t.relname = '%s' and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%%status%%'""".formatted(table));
        Set<String> values = new TreeSet<>();
        Matcher m = Pattern.compile("'([A-Z_]+)'").matcher(definition);
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }
}
