package dev.pgsteer.router.resolve;

import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.syntax.Parser;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.Values;

/**
 * The text a shard runs when it is not the client's: a shape with the lexer's literals put back as
 * written (a SELECT rewritten for merging), or a multi-row INSERT cut down to the rows of one shard.
 */
public final class ShardTexts {
    private static final Pattern PLACEHOLDER = Pattern.compile("(?<![\\w$])\\$(\\d+)");

    private ShardTexts() {
    }

    /** One shard's part of a split statement: its text, and which client parameter each of its {@code $k} is. */
    public record SplitText(String text, int[] parameters) {
    }

    /**
     * The INSERT's text for each shard, with only the rows that belong there, literals put back as
     * written and the client's parameters renumbered from $1 in the order they appear.
     */
    public static Map<String, SplitText> splitInsert(LexedStatement statement, int[] shardOfRow, List<String> shards)
            throws RoutingException {
        Map<String, SplitText> byShard = new LinkedHashMap<>();
        for (int shard = 0; shard < shards.size(); shard++) {
            Statement parsed = Parser.parse(statement.shape());
            if (!(parsed instanceof Insert insert) || !(insert.getSelect() instanceof Values values)) {
                throw new RoutingException("0A000", "pgsteer could not split this INSERT by shard key");
            }
            ExpressionList<?> rows = values.getExpressions();
            ExpressionList<Expression> kept = new ExpressionList<>();
            for (int row = 0; row < shardOfRow.length; row++) {
                if (shardOfRow[row] == shard) {
                    kept.add((Expression) rows.get(row));
                }
            }
            if (kept.isEmpty()) {
                continue;
            }
            values.setExpressions(kept);
            byShard.put(shards.get(shard), renumbered(insert.toString(), statement));
        }
        return byShard;
    }

    /**
     * The shape with the lexer's literals put back as written and the client's parameters renumbered
     * from $1 in the order they first appear (a text pgsteer runs with only the parameters it holds).
     */
    public static SplitText withLiteralsRenumbered(String shape, LexedStatement statement) {
        return renumbered(shape, statement);
    }

    /** The shape with the lexer's literals put back as written; the client's own parameters stay as they are. */
    public static String withLiterals(String shape, LexedStatement statement) {
        Matcher m = PLACEHOLDER.matcher(shape);
        StringBuilder out = new StringBuilder(shape.length() + 32);
        while (m.find()) {
            int number = Integer.parseInt(m.group(1));
            String replacement = number > statement.parameterCount()
                    ? statement.rawLiterals().get(number - statement.parameterCount() - 1) : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static SplitText renumbered(String shape, LexedStatement statement) {
        Matcher m = PLACEHOLDER.matcher(shape);
        StringBuilder out = new StringBuilder(shape.length() + 32);
        Map<Integer, Integer> renumber = new LinkedHashMap<>();
        while (m.find()) {
            int number = Integer.parseInt(m.group(1));
            String replacement;
            if (number > statement.parameterCount()) {
                replacement = statement.rawLiterals().get(number - statement.parameterCount() - 1);
            } else {
                replacement = "$" + renumber.computeIfAbsent(number, n -> renumber.size() + 1);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return new SplitText(out.toString(), renumber.keySet().stream().mapToInt(Integer::intValue).toArray());
    }
}
