package org.helix.rituals;

import io.vertx.mutiny.sqlclient.Tuple;
import org.helix.platform.ProblemException;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * What {@code GET /api/rituals} narrows the list to. Indexes serve each condition: {@code status} and the keyset
 * walk {@code ritual_by_status} / {@code ritual_recent}, {@code since}/{@code until} bound that walk, {@code id_prefix}
 * is a range on the uuid. {@code agent} is checked on each ritual walked with one probe into {@code step_settled_by}
 * (V5__history_search.sql): a few milliseconds for an agent found in many rituals; for one found in few, a walk
 * through history (about 2 µs per ritual passed over) that {@code since} bounds.
 *
 * @param agent rituals that name the agent as a participant, or one of whose steps it settled (completed,
 *              failed, or made the last attempt of before a skip)
 * @param since created at or after (inclusive)
 * @param until created before (exclusive)
 */
record RitualFilter(RitualStatus status, String agent, OffsetDateTime since, OffsetDateTime until, IdRange ids) {

    /** The UUIDs that start with a hex prefix: a closed range, since PostgreSQL orders uuids by their bytes. */
    record IdRange(UUID first, UUID last) {

        static IdRange ofPrefix(String prefix) {
            if (prefix == null) {
                return null;
            }
            String hex = prefix.trim().replace("-", "").toLowerCase(Locale.ROOT);
            if (hex.isEmpty() || hex.length() > 32 || !hex.matches("[0-9a-f]+")) {
                throw ProblemException.invalid("id_prefix", "must be 1 to 32 hex digits of a ritual id (dashes allowed)");
            }
            return new IdRange(uuid(hex, '0'), uuid(hex, 'f'));
        }

        private static UUID uuid(String hex, char fill) {
            String h = hex + String.valueOf(fill).repeat(32 - hex.length());
            return UUID.fromString(h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-"
                    + h.substring(16, 20) + "-" + h.substring(20));
        }
    }

    RitualFilter {
        if (since != null && until != null && !until.isAfter(since)) {
            throw ProblemException.invalid("until", "must be later than since");
        }
    }

    /** The conditions on {@code ritual r}, their values appended to {@code args} ($n numbered after what it holds). */
    List<String> conditions(Tuple args) {
        List<String> where = new ArrayList<>();
        if (status != null) {
            args.addValue(status.name());
            where.add("r.status = $" + args.size());
        }
        if (since != null) {
            args.addValue(since);
            where.add("r.created_at >= $" + args.size());
        }
        if (until != null) {
            args.addValue(until);
            where.add("r.created_at < $" + args.size());
        }
        if (ids != null) {
            // Literals, not parameters (UUID.toString(): nothing else can get in). The pool plans generically
            // (PoolSetup), and only a plan that sees the range takes the primary key for a long prefix (measured
            // 0.07 ms at 200,000 rituals) and the newest-first index for a short one; blind, it scans the whole
            // newest-first index (7 ms there, growing with history).
            where.add("r.id between '" + ids.first() + "'::uuid and '" + ids.last() + "'::uuid");
        }
        if (agent != null) {
            args.addValue(agent);
            String at = "$" + args.size();
            // the step statuses are literals too: a partial index (step_settled_by) serves only a condition that
            // visibly implies its predicate
            where.add("(" + at + " = any(r.participants) or exists (select 1 from step s where s.ritual_id = r.id"
                    + " and s.agent_name = " + at + " and s.status in (" + RitualStatus.sql(StepStatus.SETTLED) + ")))");
        }
        return where;
    }
}
