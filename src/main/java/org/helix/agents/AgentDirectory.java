package org.helix.agents;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Db;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The public directory of agents: counts by status, and the agents themselves by name, filtered and paged.
 * A thousand agents are one page of a list, not one answer, for a dashboard that refreshes every few seconds.
 */
@ApplicationScoped
public class AgentDirectory {

    /** One page, by name; {@code nextAfter} is the last name on it when more follow. */
    public record Page(List<AgentView> agents, String nextAfter) {
    }

    /** Which agents: a status, a case-insensitive start of the name; null for any. */
    public record Filter(AgentStatus status, String namePrefix) {

        boolean any() {
            return status == null && namePrefix == null;
        }

        /** The conditions, their values appended to {@code args}. */
        private List<String> conditions(Tuple args) {
            List<String> where = new ArrayList<>();
            if (status != null) {
                args.addValue(status.name());
                where.add("status = $" + args.size());
            }
            if (namePrefix != null) {
                args.addValue(likePrefix(namePrefix.toLowerCase(Locale.ROOT)));
                where.add("lower(name) like $" + args.size() + " escape '\\'");
            }
            return where;
        }
    }

    private final Db db;

    public AgentDirectory(Db db) {
        this.db = db;
    }

    public Uni<Map<AgentStatus, Long>> counts() {
        return db.query("select status, count(*) as n from agent group by status", Tuple.tuple()).map(rows -> {
            Map<AgentStatus, Long> counts = new EnumMap<>(AgentStatus.class);
            for (AgentStatus status : AgentStatus.values()) {
                counts.put(status, 0L);
            }
            for (Row row : rows) {
                counts.put(AgentStatus.valueOf(row.getString("status")), row.getLong("n"));
            }
            return counts;
        });
    }

    /**
     * @param limit page size, or null for every matching agent (what the directory answered before paging)
     * @param after the previous page's last name, or null
     */
    public Uni<Page> page(Filter filter, Integer limit, String after) {
        Tuple args = Tuple.tuple();
        List<String> where = filter.conditions(args);
        if (after != null) {
            args.addValue(after);
            where.add("name > $" + args.size());
        }
        StringBuilder sql = new StringBuilder("select * from agent");
        if (!where.isEmpty()) {
            sql.append(" where ").append(String.join(" and ", where));
        }
        sql.append(" order by name");
        if (limit != null) {
            // one row more than the page tells whether another page follows
            args.addValue(limit + 1L);
            sql.append(" limit $").append(args.size());
        }
        return db.query(sql.toString(), args).map(rows -> {
            List<AgentView> agents = new ArrayList<>(rows.size());
            rows.forEach(row -> agents.add(AgentView.of(row)));
            if (limit == null || agents.size() <= limit) {
                return new Page(agents, null);
            }
            List<AgentView> shown = agents.subList(0, limit);
            return new Page(shown, shown.get(limit - 1).name());
        });
    }

    /** How many agents the filter selects. */
    public Uni<Long> matching(Filter filter) {
        Tuple args = Tuple.tuple();
        List<String> where = filter.conditions(args);
        return db.query("select count(*) as n from agent" + (where.isEmpty() ? "" : " where " + String.join(" and ", where)),
                args).map(rows -> rows.iterator().next().getLong("n"));
    }

    private static String likePrefix(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }
}
