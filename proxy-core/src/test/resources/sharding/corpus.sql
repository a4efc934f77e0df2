-- The corpus of ShardingDifferentialIT: each statement runs against one plain PostgreSQL and, through
-- pgsteer, against three shards; results must agree (as sorted rows when there is no top-level
-- ORDER BY), and so must update counts and SQLSTATEs. Statements run in order: writes change both
-- sides alike. A statement ends with ';' at the end of a line.
--
-- Tags, on the lines just before a statement:
--   -- needs: merge          a multi-shard SELECT that needs merging (ORDER BY, LIMIT, aggregates,
--                           GROUP BY, DISTINCT without the shard key); while merging is pending,
--                           pgsteer may refuse it with 0A000
--   -- refused: SQLSTATE     pgsteer refuses it by design; the test checks it says so with this code
--   -- refused: SQLSTATE extended   the same, in the extended protocol only; the simple one answers
--                           as plain PostgreSQL does (the coordinator step, for now simple only)
--   -- known: reason        a difference known and not fixed yet; reported, does not fail
--   -- params: a | b | c     run as a PreparedStatement with these values for its '?':
--                           123 (bigint), 12.50 (numeric), 'text', date:2024-01-31, int8[]:1,2,3
-- A COPY ... FROM STDIN is followed by its data lines (tab-separated) and a line '\.'.
-- A line '-- == name ==' starts a group; the report counts by group.

-- == point reads by shard key ==
SELECT id, status, total, currency, created FROM orders WHERE customer_id = 8;
SELECT * FROM orders WHERE customer_id = 15;
SELECT id, total FROM orders WHERE customer_id = 22 AND status = 'paid';
SELECT id FROM orders o WHERE o.customer_id = 36;
SELECT id FROM orders WHERE customer_id = 999;
SELECT id FROM orders WHERE 41 = customer_id;
SELECT order_id, line, sku, qty, price FROM items WHERE customer_id = 8;
SELECT * FROM items WHERE customer_id = 50 AND order_id > 100;
SELECT country, name FROM regions WHERE region = 'eu';
SELECT * FROM regions WHERE region = 'apac' AND population > 50;
SELECT * FROM events WHERE day = '2024-03-05';
SELECT kind, amount FROM events WHERE day = DATE '2025-07-18';
SELECT id FROM events WHERE day = '2026-09-01';
-- params: 8
SELECT id, status, total FROM orders WHERE customer_id = ?;
-- params: 29 | 'shipped'
SELECT id, total FROM orders WHERE customer_id = ? AND status = ?;
-- params: 'us'
SELECT country, name, population FROM regions WHERE region = ?;
-- params: date:2023-05-02
SELECT id, kind FROM events WHERE day = ?;

-- == IN lists, = ANY, OR of keys ==
SELECT id, customer_id FROM orders WHERE customer_id IN (3, 4, 5);
SELECT id, customer_id, status FROM orders WHERE customer_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) AND status = 'new';
SELECT id FROM orders WHERE customer_id = 11 OR customer_id = 12;
SELECT id FROM orders WHERE customer_id = ANY('{13,14,15}');
SELECT id FROM orders WHERE customer_id = ANY(ARRAY[16, 17]);
SELECT order_id, sku FROM items WHERE customer_id IN (20, 40, 60);
SELECT country FROM regions WHERE region IN ('eu', 'us');
SELECT id FROM events WHERE day IN ('2023-01-05', '2024-01-04', '2025-06-01', '2026-10-01');
-- params: 21 | 22
SELECT id, customer_id FROM orders WHERE customer_id IN (?, ?);
-- params: int8[]:23,24,25
SELECT id, customer_id FROM orders WHERE customer_id = ANY(?);

-- == without shard key: every shard, rows concatenated ==
SELECT id, customer_id, status FROM orders;
SELECT id, customer_id FROM orders WHERE status = 'cancelled';
SELECT id, total FROM orders WHERE total > 450;
SELECT id FROM orders WHERE currency IS NULL;
SELECT id, customer_id FROM orders WHERE customer_id BETWEEN 10 AND 14;
SELECT id FROM orders WHERE customer_id > 55;
SELECT id FROM orders WHERE created >= '2025-01-01' AND created < '2025-03-01';
SELECT customer_id, order_id, line FROM items WHERE sku = 'SKU-7';
SELECT region, country FROM regions;
SELECT region, country FROM regions WHERE population < 30;
SELECT id, day FROM events WHERE day BETWEEN '2024-12-01' AND '2025-01-31';
SELECT id, day, kind FROM events WHERE kind = 'refund' AND amount > 80;
SELECT id FROM events WHERE customer_id = 7;
SELECT id, upper(status) AS s, total * 2 AS twice, coalesce(currency, '-') AS c FROM orders WHERE status = 'paid';
SELECT id, CASE WHEN total > 250 THEN 'big' ELSE 'small' END FROM orders WHERE customer_id < 5;
SELECT id FROM orders WHERE customer_id = 3 OR status = 'shipped';
-- params: 'new'
SELECT id, customer_id FROM orders WHERE status = ?;
-- params: 400.00
SELECT id FROM orders WHERE total >= ?;

-- == aggregates ==
SELECT count(*), sum(total), min(created), max(created) FROM orders WHERE customer_id = 7;
SELECT avg(total) FROM orders WHERE customer_id = 19;
SELECT count(*) FROM items WHERE customer_id = 8;
SELECT sum(population) FROM regions WHERE region = 'eu';
SELECT count(*), max(amount) FROM events WHERE day = '2024-03-05';
SELECT count(*), sum(rate) FROM currencies;
SELECT count(*) FROM audit;
-- params: 31
SELECT count(*), sum(total) FROM orders WHERE customer_id = ?;
-- needs: merge
SELECT count(*) FROM orders;
-- needs: merge
SELECT count(*), sum(total), min(total), max(total) FROM orders;
-- needs: merge
SELECT avg(total) FROM orders;
SELECT count(DISTINCT customer_id) FROM orders;
-- needs: merge
SELECT count(*) FROM orders WHERE status = 'paid';
-- needs: merge
SELECT min(created), max(created) FROM orders;
-- needs: merge
SELECT sum(qty * price) FROM items;
-- needs: merge
SELECT count(*) FROM events;
-- needs: merge
SELECT min(day), max(day), sum(amount) FROM events;
-- needs: merge
SELECT sum(population) FROM regions;
-- needs: merge
SELECT count(*) FROM orders WHERE customer_id IN (1, 2, 3);

-- == GROUP BY and HAVING ==
SELECT status, count(*), sum(total) FROM orders WHERE customer_id = 9 GROUP BY status;
SELECT order_id, sum(qty) FROM items WHERE customer_id = 10 GROUP BY order_id HAVING sum(qty) > 3;
SELECT kind, count(*) FROM events WHERE day = '2023-06-30' GROUP BY kind;
SELECT region, sum(population) FROM regions WHERE region = 'us' GROUP BY region;
SELECT code, count(*) FROM currencies GROUP BY code HAVING count(*) = 1;
-- needs: merge
SELECT status, count(*) FROM orders GROUP BY status;
-- needs: merge
SELECT status, sum(total), avg(total) FROM orders GROUP BY status;
-- needs: merge
SELECT customer_id, count(*) FROM orders GROUP BY customer_id;
-- needs: merge
SELECT customer_id, sum(total) FROM orders GROUP BY customer_id HAVING sum(total) > 1500;
-- needs: merge
SELECT currency, count(*) FROM orders GROUP BY currency HAVING count(*) > 70;
-- needs: merge
SELECT sku, sum(qty) FROM items GROUP BY sku;
-- needs: merge
SELECT region, count(*), sum(population) FROM regions GROUP BY region;
-- needs: merge
SELECT kind, count(*), sum(amount) FROM events GROUP BY kind;
-- needs: merge
SELECT extract(year FROM day) AS y, count(*) FROM events GROUP BY 1;

-- == ORDER BY, LIMIT and OFFSET ==
SELECT id, total FROM orders WHERE customer_id = 12 ORDER BY total DESC, id;
SELECT id FROM orders WHERE customer_id = 12 ORDER BY id LIMIT 2;
SELECT id FROM orders WHERE customer_id = 12 ORDER BY id LIMIT 2 OFFSET 2;
SELECT order_id, line FROM items WHERE customer_id = 33 ORDER BY order_id DESC, line;
SELECT country FROM regions WHERE region = 'eu' ORDER BY population DESC;
SELECT id, day FROM events WHERE day = '2024-03-05' ORDER BY id;
SELECT code, rate FROM currencies ORDER BY rate DESC;
SELECT id, message FROM audit ORDER BY id DESC LIMIT 3;
-- params: 12 | 1
SELECT id FROM orders WHERE customer_id = ? ORDER BY id LIMIT ?;
-- needs: merge
SELECT id, customer_id FROM orders ORDER BY id;
-- needs: merge
SELECT id, total FROM orders ORDER BY total DESC, id LIMIT 10;
-- needs: merge
SELECT id FROM orders ORDER BY id LIMIT 5 OFFSET 100;
-- needs: merge
SELECT id, created FROM orders WHERE status = 'new' ORDER BY created, id LIMIT 7;
-- needs: merge
SELECT customer_id, order_id, line FROM items ORDER BY price DESC, customer_id, order_id, line LIMIT 5;
-- needs: merge
SELECT region, country FROM regions ORDER BY country;
-- needs: merge
SELECT id, day FROM events ORDER BY day DESC, id LIMIT 4;
-- needs: merge
SELECT id, day FROM events WHERE day >= '2024-11-01' ORDER BY day, id LIMIT 10;
SELECT id FROM orders ORDER BY id FETCH FIRST 3 ROWS ONLY;
-- needs: merge
SELECT id FROM orders WHERE customer_id IN (5, 6, 7) ORDER BY id;

-- == DISTINCT ==
SELECT DISTINCT status FROM orders WHERE customer_id = 14;
SELECT DISTINCT sku FROM items WHERE customer_id = 14;
SELECT DISTINCT region FROM regions WHERE region = 'apac';
SELECT DISTINCT currency FROM orders WHERE customer_id IN (1);
-- needs: merge
SELECT DISTINCT status FROM orders;
-- needs: merge
SELECT DISTINCT customer_id FROM orders WHERE total > 300;
-- needs: merge
SELECT DISTINCT region FROM regions;
-- needs: merge
SELECT DISTINCT kind FROM events;

-- The groups below came with the coordinator step (issue 22): what the proxy cannot merge itself is
-- answered by PostgreSQL on a coordinator, so each must equal one PostgreSQL exactly. An aggregate or
-- a window whose result depends on the order of its input rows orders them totally (a unique column
-- breaks ties), as an application must for a stable answer from one PostgreSQL too.

-- == window functions ==
SELECT customer_id, id, total, row_number() OVER (PARTITION BY customer_id ORDER BY created, id) FROM orders;
SELECT id, customer_id, total, rank() OVER (PARTITION BY customer_id ORDER BY total DESC) FROM orders;
SELECT id, status, dense_rank() OVER (ORDER BY status) FROM orders;
SELECT id, total, percent_rank() OVER (ORDER BY total), cume_dist() OVER (ORDER BY total) FROM orders WHERE status = 'paid';
SELECT id, total, ntile(4) OVER (ORDER BY total, id) FROM orders;
SELECT id, customer_id, lag(total) OVER (PARTITION BY customer_id ORDER BY id), lead(total, 2, 0) OVER (PARTITION BY customer_id ORDER BY id) FROM orders;
SELECT id, status, first_value(id) OVER w, last_value(id) OVER w, nth_value(id, 2) OVER w FROM orders WINDOW w AS (PARTITION BY status ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);
SELECT id, total, sum(total) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM orders WHERE customer_id < 10;
SELECT id, created, count(*) OVER (ORDER BY created RANGE BETWEEN INTERVAL '30 days' PRECEDING AND CURRENT ROW) FROM orders;
SELECT id, status, sum(total) OVER (ORDER BY status GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM orders;
SELECT customer_id, order_id, line, sum(qty) OVER (PARTITION BY customer_id ORDER BY order_id, line ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM items;
SELECT customer_id, sum(total), rank() OVER (ORDER BY sum(total) DESC) FROM orders GROUP BY customer_id;
SELECT status, count(*), sum(count(*)) OVER (), round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct FROM orders GROUP BY status;
SELECT date_trunc('month', created)::date AS month, sum(total), sum(sum(total)) OVER (ORDER BY date_trunc('month', created)) AS running FROM orders GROUP BY date_trunc('month', created) ORDER BY 1;
SELECT customer_id, rn, id, total FROM (SELECT id, customer_id, total, row_number() OVER (PARTITION BY customer_id ORDER BY total DESC, id) AS rn FROM orders) t WHERE rn <= 2 ORDER BY customer_id, rn;
SELECT id, day, amount, avg(amount) OVER (ORDER BY day ROWS BETWEEN 3 PRECEDING AND 3 FOLLOWING) FROM events WHERE kind = 'buy';
SELECT kind, id, day, row_number() OVER (PARTITION BY kind ORDER BY day) FROM events;
SELECT region, country, population, rank() OVER (PARTITION BY region ORDER BY population DESC) FROM regions;
SELECT region, country, population, sum(population) OVER (PARTITION BY region), population::numeric / sum(population) OVER (PARTITION BY region) AS share FROM regions;
SELECT id, total FROM orders ORDER BY row_number() OVER (ORDER BY total DESC, id) LIMIT 5;
SELECT order_id, line, price, price - lag(price) OVER (PARTITION BY order_id ORDER BY line) AS step FROM items WHERE customer_id IN (8, 15, 22);
SELECT id, currency, sum(total) OVER (w ORDER BY id), count(*) OVER w FROM orders WINDOW w AS (PARTITION BY currency);
SELECT id, customer_id, count(*) FILTER (WHERE status = 'paid') OVER (PARTITION BY customer_id) FROM orders;
SELECT DISTINCT customer_id, count(*) OVER (PARTITION BY customer_id) FROM orders;
SELECT id, currency, first_value(currency) OVER (PARTITION BY customer_id ORDER BY currency NULLS FIRST, id) FROM orders;
SELECT kind, amount, id, percent_rank() OVER (PARTITION BY kind ORDER BY amount) FROM events WHERE day < '2024-01-01';
SELECT sku, price, cume_dist() OVER (PARTITION BY sku ORDER BY price) FROM items;
SELECT id, day, amount, sum(amount) OVER (ORDER BY day RANGE BETWEEN INTERVAL '7 days' PRECEDING AND INTERVAL '7 days' FOLLOWING) FROM events;
SELECT id, total, max(total) OVER (PARTITION BY status ORDER BY id ROWS UNBOUNDED PRECEDING) AS best_so_far FROM orders WHERE created < '2024-01-01';
SELECT customer_id, order_id, line, string_agg(sku, ',') OVER (PARTITION BY customer_id, order_id ORDER BY line) FROM items WHERE customer_id < 6;
-- params: 20
SELECT id, customer_id, row_number() OVER (PARTITION BY customer_id ORDER BY id) FROM orders WHERE customer_id < ?;
-- params: 3
SELECT id, total, ntile(?::int) OVER (ORDER BY total, id) FROM orders WHERE status = 'new';
-- params: 8
SELECT id, total, sum(total) OVER (ORDER BY id) FROM orders WHERE customer_id = ?;

-- == aggregates: general-purpose ==
SELECT array_agg(id ORDER BY id) FROM orders WHERE status = 'cancelled';
SELECT customer_id, array_agg(id ORDER BY id) FROM orders GROUP BY customer_id;
SELECT status, array_agg(DISTINCT currency ORDER BY currency) FROM orders GROUP BY status;
SELECT array_agg(ARRAY[qty, line] ORDER BY customer_id, order_id, line) FROM items WHERE customer_id = 3 OR customer_id = 4;
SELECT avg(qty), avg(price)::numeric(10,2), avg(qty * price) FROM items;
SELECT status, avg(total)::numeric(10,2) FROM orders GROUP BY status;
SELECT bit_and(qty), bit_or(qty), bit_xor(qty) FROM items;
SELECT status, bit_or(id::int), bit_and(id::int | 1), bit_xor(id::int) FROM orders GROUP BY status;
SELECT bool_and(total > 0), bool_or(total > 490), every(currency IS NOT NULL) FROM orders;
SELECT customer_id, bool_and(status <> 'cancelled'), bool_or(total > 400) FROM orders GROUP BY customer_id;
SELECT count(*), count(currency), count(DISTINCT currency), count(DISTINCT (customer_id, status)) FROM orders;
SELECT count(DISTINCT sku), count(DISTINCT customer_id), count(DISTINCT order_id) FROM items;
SELECT extract(year FROM day) AS y, count(DISTINCT kind), count(DISTINCT customer_id) FROM events GROUP BY 1;
SELECT status, count(DISTINCT customer_id) FROM orders GROUP BY status HAVING count(DISTINCT customer_id) > 10;
SELECT customer_id, json_agg(json_build_object('id', id, 'total', total) ORDER BY id) FROM orders WHERE customer_id IN (3, 4, 5) GROUP BY customer_id;
SELECT jsonb_agg(jsonb_build_object('country', country, 'population', population) ORDER BY country) FROM regions WHERE population > 100;
SELECT json_object_agg(country, population ORDER BY country) FROM regions;
SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM orders GROUP BY status) s;
SELECT kind, json_agg(amount ORDER BY day) FROM events WHERE day < '2023-04-01' GROUP BY kind;
SELECT min(sku), max(sku), min(price), max(price) FROM items;
SELECT status, min(created), max(created), max(total) - min(total) AS spread FROM orders GROUP BY status;
SELECT customer_id, range_agg(daterange(created, created + 4)) FROM orders WHERE customer_id < 6 GROUP BY customer_id;
SELECT range_agg(int4range(amount, amount + 5)), range_intersect_agg(int4range(amount, 200)) FROM events WHERE kind = 'refund';
SELECT string_agg(country, ', ' ORDER BY country) FROM regions;
SELECT string_agg(DISTINCT status, '/' ORDER BY status) FROM orders;
SELECT customer_id, string_agg(sku, ',' ORDER BY order_id, line) FROM items GROUP BY customer_id;
SELECT region, string_agg(name, '; ' ORDER BY population DESC, country) FROM regions GROUP BY region;
SELECT sum(qty), sum(qty * price), sum(price) FILTER (WHERE qty > 3) FROM items;
SELECT sum(total) FILTER (WHERE currency = 'EUR'), sum(total) FILTER (WHERE currency IS NULL), count(*) FILTER (WHERE total < 100) FROM orders;
SELECT kind, sum(amount), sum(amount) FILTER (WHERE extract(dow FROM day) IN (0, 6)) AS weekend FROM events GROUP BY kind;
SELECT coalesce(sum(total), 0), count(*), max(id) FROM orders WHERE status = 'no-such-status';
-- params: 'paid'
SELECT string_agg(id::text, ',' ORDER BY id), count(DISTINCT currency) FROM orders WHERE status = ?;
-- params: 100.00
SELECT array_agg(id ORDER BY total DESC, id), bool_and(currency IS NOT NULL) FROM orders WHERE total < ?;

SELECT xmlagg(xmlelement(name code, code) ORDER BY code) FROM currencies;
SELECT status, xmlagg(xmlelement(name o, id) ORDER BY id) FROM orders WHERE customer_id < 3 GROUP BY status;
SELECT JSON_ARRAYAGG(country ORDER BY country) FROM regions;
SELECT JSON_OBJECTAGG(country VALUE population RETURNING jsonb) FROM regions WHERE region = 'eu';
SELECT json_object_agg_unique(country, population ORDER BY country) FROM regions;
SELECT jsonb_object_agg_strict(status, currency) FROM (SELECT DISTINCT ON (status) status, currency FROM orders ORDER BY status, id) s;
SELECT customer_id, bool_and(currency IS NOT NULL) FILTER (WHERE total > 100), array_agg(currency ORDER BY id) FILTER (WHERE currency IS NULL) FROM orders GROUP BY customer_id;

-- == aggregates: statistical ==
SELECT stddev(total), stddev_pop(total), stddev_samp(total), variance(total), var_pop(total), var_samp(total) FROM orders;
SELECT status, stddev(total)::numeric(10,4), variance(total)::numeric(12,2) FROM orders GROUP BY status;
SELECT sku, stddev_samp(qty), var_pop(price) FROM items GROUP BY sku;
SELECT kind, stddev(amount), variance(amount) FROM events GROUP BY kind;
SELECT corr(qty, price ORDER BY customer_id, order_id, line), covar_pop(qty, price ORDER BY customer_id, order_id, line), covar_samp(qty, price ORDER BY customer_id, order_id, line) FROM items;
SELECT regr_avgx(price, qty ORDER BY customer_id, order_id, line), regr_avgy(price, qty ORDER BY customer_id, order_id, line), regr_count(price, qty ORDER BY customer_id, order_id, line) FROM items;
SELECT regr_slope(price, qty ORDER BY customer_id, order_id, line), regr_intercept(price, qty ORDER BY customer_id, order_id, line), regr_r2(price, qty ORDER BY customer_id, order_id, line) FROM items;
SELECT regr_sxx(amount, id ORDER BY id), regr_sxy(amount, id ORDER BY id), regr_syy(amount, id ORDER BY id) FROM events;
SELECT kind, corr(amount, customer_id ORDER BY id), regr_slope(amount, customer_id ORDER BY id) FROM events GROUP BY kind;
SELECT customer_id, round(covar_pop(total, id ORDER BY id)::numeric, 6) FROM orders GROUP BY customer_id;
SELECT stddev(total) FROM orders WHERE customer_id = 1;
-- params: 'view'
SELECT stddev(amount)::numeric(10,3), var_samp(amount) FROM events WHERE kind = ?;

-- == aggregates: ordered-set and hypothetical-set ==
SELECT mode() WITHIN GROUP (ORDER BY status), mode() WITHIN GROUP (ORDER BY currency) FROM orders;
SELECT customer_id, mode() WITHIN GROUP (ORDER BY status) FROM orders GROUP BY customer_id;
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total), percentile_disc(0.5) WITHIN GROUP (ORDER BY total) FROM orders;
SELECT percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY total) FROM orders;
SELECT status, percentile_disc(0.9) WITHIN GROUP (ORDER BY created), percentile_cont(0.1) WITHIN GROUP (ORDER BY total DESC) FROM orders GROUP BY status;
SELECT kind, percentile_disc(ARRAY[0.1, 0.9]) WITHIN GROUP (ORDER BY amount) FROM events GROUP BY kind;
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY created - DATE '2023-01-01') FROM orders;
SELECT rank(250) WITHIN GROUP (ORDER BY total), dense_rank(250) WITHIN GROUP (ORDER BY total DESC) FROM orders;
SELECT status, percent_rank(100) WITHIN GROUP (ORDER BY total), cume_dist(100) WITHIN GROUP (ORDER BY total) FROM orders GROUP BY status;
SELECT cume_dist(DATE '2024-01-01') WITHIN GROUP (ORDER BY day), rank(50, 'buy') WITHIN GROUP (ORDER BY amount, kind) FROM events;
SELECT sku, rank(3) WITHIN GROUP (ORDER BY qty) FROM items GROUP BY sku;
-- params: 0.75
SELECT percentile_cont(?) WITHIN GROUP (ORDER BY price) FROM items;
-- params: 300.00
SELECT status, rank(?) WITHIN GROUP (ORDER BY total) FROM orders GROUP BY status;

-- == expressions over aggregates, HAVING ==
SELECT avg(total)::numeric(10,2) FROM orders;
SELECT sum(total) / count(*) AS mean, sum(total) / count(*) - avg(total) AS zero FROM orders;
SELECT 'orders: ' || count(*) FROM orders;
SELECT status, 'n=' || count(*) || ', max=' || max(total) FROM orders GROUP BY status;
SELECT round(avg(amount), 1), max(amount) - min(amount), count(*) * 2 + 1 FROM events;
SELECT customer_id, CASE WHEN count(*) > 5 THEN 'many' ELSE 'few' END, count(*) FROM items GROUP BY customer_id;
SELECT sku, sum(qty * price) / nullif(sum(qty), 0) AS avg_unit FROM items GROUP BY sku;
SELECT round(100.0 * count(*) FILTER (WHERE status = 'paid') / count(*), 2) AS paid_pct FROM orders;
SELECT currency, sum(total)::int AS whole, avg(total)::float8::numeric(10,2) FROM orders GROUP BY currency;
SELECT extract(year FROM created) AS y, sum(total) / 12 AS monthly FROM orders GROUP BY 1 ORDER BY 1;
SELECT customer_id, count(*) FROM orders GROUP BY customer_id HAVING count(DISTINCT status) > 2;
SELECT sku, avg(price)::numeric(10,2) FROM items GROUP BY sku HAVING avg(price) > 50 ORDER BY sku;
SELECT customer_id FROM orders GROUP BY customer_id HAVING bool_and(total > 50);
SELECT customer_id, string_agg(status, ',' ORDER BY id) FROM orders GROUP BY customer_id HAVING string_agg(status, ',' ORDER BY id) LIKE 'new%';
SELECT kind, count(*) FROM events GROUP BY kind HAVING count(*) FILTER (WHERE amount > 50) > 35;
SELECT status, sum(total) FROM orders GROUP BY status HAVING sum(total) > (SELECT sum(total) / 5 FROM orders);
SELECT customer_id, max(total) - min(total) AS spread FROM orders GROUP BY customer_id ORDER BY spread DESC, customer_id LIMIT 5;
SELECT sku, count(*) FROM items GROUP BY sku ORDER BY count(*) * 10 + length(sku) DESC, sku LIMIT 6;
-- params: 3
SELECT customer_id, count(*) FROM items GROUP BY customer_id HAVING count(*) > ? + 6;
-- params: 'EUR'
SELECT avg(total)::numeric(10,2), 'EUR orders: ' || count(*) FROM orders WHERE currency = ?;

-- == set operations ==
SELECT id FROM orders WHERE customer_id = 1 UNION SELECT id FROM orders WHERE customer_id = 2;
SELECT id, total FROM orders WHERE customer_id = 1 UNION ALL SELECT id, total FROM orders WHERE customer_id = 2;
SELECT customer_id FROM orders WHERE total > 400 UNION SELECT customer_id FROM events WHERE amount > 95;
SELECT 'order' AS what, id, created AS day FROM orders WHERE customer_id = 5 UNION ALL SELECT kind, id, day FROM events WHERE customer_id = 5 ORDER BY day, what, id;
SELECT customer_id FROM orders WHERE status = 'paid' INTERSECT SELECT customer_id FROM orders WHERE status = 'cancelled';
SELECT customer_id FROM orders WHERE total > 250 INTERSECT ALL SELECT customer_id FROM items WHERE qty = 5;
SELECT customer_id FROM orders WHERE total > 300 EXCEPT SELECT customer_id FROM events WHERE kind = 'buy';
SELECT customer_id FROM orders EXCEPT ALL SELECT customer_id FROM items WHERE line = 2;
(SELECT id, total FROM orders WHERE status = 'new' ORDER BY total DESC, id LIMIT 3) UNION ALL (SELECT id, total FROM orders WHERE status = 'paid' ORDER BY total DESC, id LIMIT 3) ORDER BY 2 DESC, 1;
SELECT sku FROM items WHERE customer_id = 8 UNION SELECT sku FROM items WHERE customer_id = 9 ORDER BY sku LIMIT 5;
SELECT country AS code FROM regions UNION SELECT lower(code) FROM currencies ORDER BY code;
SELECT message FROM audit UNION ALL SELECT status FROM orders WHERE customer_id = 3;
(SELECT customer_id FROM orders WHERE currency = 'EUR' UNION SELECT customer_id FROM orders WHERE currency = 'USD') EXCEPT SELECT customer_id FROM orders WHERE currency = 'GBP';
SELECT count(*) FROM (SELECT customer_id FROM orders UNION SELECT customer_id FROM events) u;
SELECT kind, count(*) FROM (SELECT 'order' AS kind FROM orders UNION ALL SELECT kind FROM events) x GROUP BY kind;
SELECT day FROM events WHERE kind = 'buy' INTERSECT SELECT created FROM orders;
-- params: 6 | 7
SELECT id, customer_id FROM orders WHERE customer_id = ? UNION SELECT id, customer_id FROM orders WHERE customer_id = ? ORDER BY id;
-- params: 'refund' | 'shipped'
SELECT customer_id FROM events WHERE kind = ? INTERSECT SELECT customer_id FROM orders WHERE status = ?;

-- == LATERAL ==
SELECT c.code, t.id, t.total FROM currencies c CROSS JOIN LATERAL (SELECT id, total FROM orders o WHERE o.currency = c.code ORDER BY total DESC, id LIMIT 2) t;
SELECT o.id, x.n FROM orders o, LATERAL (SELECT count(*) AS n FROM items i WHERE i.customer_id = o.customer_id AND i.order_id = o.id) x WHERE o.status = 'new';
SELECT r.region, t.country, t.population FROM (SELECT DISTINCT region FROM regions) r, LATERAL (SELECT country, population FROM regions r2 WHERE r2.region = r.region ORDER BY population DESC, country LIMIT 2) t;
SELECT o.id, e.id AS event_id, e.day FROM orders o LEFT JOIN LATERAL (SELECT id, day FROM events e WHERE e.customer_id = o.customer_id AND e.day >= o.created ORDER BY day, id LIMIT 1) e ON true WHERE o.customer_id < 6;
SELECT o.id, g FROM orders o CROSS JOIN LATERAL generate_series(1, (o.customer_id % 3)::int) g WHERE o.total > 450;
SELECT s.status, u.x FROM (SELECT status, array_agg(id ORDER BY id) AS ids FROM orders GROUP BY status) s, LATERAL unnest(s.ids[1:3]) u(x);
SELECT o.customer_id, o.id, last.total AS previous FROM orders o JOIN LATERAL (SELECT total FROM orders p WHERE p.customer_id = o.customer_id AND p.id < o.id ORDER BY p.id DESC LIMIT 1) last ON true WHERE o.customer_id IN (10, 20, 30);
-- params: 2
SELECT c.code, t.id FROM currencies c CROSS JOIN LATERAL (SELECT id FROM orders o WHERE o.currency = c.code ORDER BY created DESC, id LIMIT ?) t;

-- == GROUPING SETS, ROLLUP, CUBE ==
SELECT status, currency, count(*), sum(total) FROM orders GROUP BY ROLLUP (status, currency);
SELECT status, currency, count(*), GROUPING(status, currency) FROM orders GROUP BY CUBE (status, currency);
SELECT status, currency, count(*) FROM orders GROUP BY GROUPING SETS ((status), (currency), ());
SELECT region, count(*), sum(population) FROM regions GROUP BY ROLLUP (region) ORDER BY region NULLS LAST;
SELECT customer_id, status, count(*) FROM orders WHERE customer_id < 5 GROUP BY GROUPING SETS ((customer_id, status), (customer_id));
SELECT extract(year FROM day) AS y, kind, sum(amount) FROM events GROUP BY ROLLUP (extract(year FROM day), kind) ORDER BY 1 NULLS LAST, 2 NULLS LAST;
SELECT status, count(*), GROUPING(status) FROM orders GROUP BY ROLLUP (status) HAVING GROUPING(status) = 1 OR count(*) > 75;
SELECT sku, line, sum(qty) FROM items GROUP BY CUBE (sku, line) HAVING sum(qty) > 30;
SELECT CASE WHEN GROUPING(currency) = 1 THEN 'all' ELSE coalesce(currency, 'none') END AS cur, count(*) FROM orders GROUP BY ROLLUP (currency);
-- params: 250.00
SELECT status, currency, count(*) FROM orders WHERE total > ? GROUP BY ROLLUP (status, currency);

-- == DISTINCT ON ==
SELECT DISTINCT ON (customer_id) customer_id, id, total FROM orders ORDER BY customer_id, total DESC, id;
SELECT DISTINCT ON (status) status, id, created FROM orders ORDER BY status, created DESC, id;
SELECT DISTINCT ON (kind) kind, day, amount FROM events ORDER BY kind, amount DESC, day;
SELECT DISTINCT ON (region) region, country, population FROM regions ORDER BY region, population DESC;
SELECT DISTINCT ON (sku) sku, order_id, line, price FROM items ORDER BY sku, price, order_id, line;
SELECT DISTINCT ON (currency) currency, id FROM orders ORDER BY currency NULLS FIRST, id LIMIT 3;
-- params: 200.00
SELECT DISTINCT ON (status) status, id, total FROM orders WHERE total > ? ORDER BY status, total, id;

-- == CTEs ==
WITH totals AS (SELECT customer_id, sum(total) AS spent FROM orders GROUP BY customer_id) SELECT customer_id, spent FROM totals WHERE spent > (SELECT avg(spent) FROM totals);
WITH t AS MATERIALIZED (SELECT status, count(*) AS n FROM orders GROUP BY status) SELECT status, n FROM t ORDER BY n DESC, status;
WITH t AS NOT MATERIALIZED (SELECT id, total FROM orders WHERE currency = 'JPY') SELECT count(*), sum(total) FROM t;
WITH o AS (SELECT customer_id, count(*) AS n_orders FROM orders GROUP BY customer_id), e AS (SELECT customer_id, count(*) AS n_events FROM events GROUP BY customer_id) SELECT customer_id, o.n_orders, e.n_events FROM o JOIN e USING (customer_id);
WITH paid AS (SELECT id, customer_id, total FROM orders WHERE status = 'paid') SELECT p.id, i.sku FROM paid p JOIN items i ON i.customer_id = p.customer_id AND i.order_id = p.id WHERE p.total > 300;
WITH ranked AS (SELECT id, total, rank() OVER (ORDER BY total DESC) AS r FROM orders) SELECT id, total FROM ranked WHERE r <= 5;
WITH RECURSIVE chain(id, customer_id, depth) AS (SELECT id, customer_id, 1 FROM orders WHERE id = 1 UNION ALL SELECT o.id, o.customer_id, c.depth + 1 FROM orders o JOIN chain c ON o.id = c.id + 60) SELECT id, customer_id, depth FROM chain ORDER BY depth;
WITH RECURSIVE streak(id, day, n) AS (SELECT id, day, 1 FROM events WHERE id = 10 UNION ALL SELECT e.id, e.day, s.n + 1 FROM events e JOIN streak s ON e.day = s.day + 4 WHERE s.n < 12) SELECT id, day, n FROM streak;
WITH RECURSIVE months(m) AS (SELECT DATE '2023-01-01' UNION ALL SELECT (m + INTERVAL '1 month')::date FROM months WHERE m < '2023-12-01') SELECT m, (SELECT count(*) FROM orders o WHERE date_trunc('month', o.created) = m) AS n FROM months ORDER BY m;
WITH RECURSIVE spend(customer_id, id, running) AS (SELECT customer_id, min(id), min(total) FROM orders o WHERE total = (SELECT min(total) FROM orders p WHERE p.customer_id = o.customer_id) GROUP BY customer_id UNION ALL SELECT s.customer_id, o.id, s.running + o.total FROM spend s JOIN orders o ON o.customer_id = s.customer_id AND o.id = s.id + 60) SELECT customer_id, id, running FROM spend WHERE customer_id < 8;
WITH RECURSIVE up(country, region, lvl) AS (SELECT country, region, 0 FROM regions WHERE country = 'jp' UNION SELECT r.country, r.region, u.lvl + 1 FROM regions r JOIN up u ON r.region = u.region AND u.lvl < 1) SELECT country, min(lvl) FROM up GROUP BY country;
-- params: 'cancelled'
WITH c AS (SELECT customer_id, count(*) AS n FROM orders WHERE status = ? GROUP BY customer_id) SELECT n, count(*) FROM c GROUP BY n;

-- == subqueries ==
SELECT id, total FROM orders WHERE total > (SELECT avg(total) FROM orders WHERE status = 'paid') AND customer_id < 20;
SELECT id, total, total - (SELECT avg(total) FROM orders) AS diff FROM orders WHERE customer_id = 7;
SELECT id, (SELECT count(*) FROM orders) AS all_orders FROM orders WHERE customer_id = 9;
SELECT o.customer_id, o.id, (SELECT count(*) FROM events e WHERE e.customer_id = o.customer_id) AS events FROM orders o WHERE o.id <= 10;
SELECT id FROM orders WHERE customer_id IN (SELECT customer_id FROM events WHERE kind = 'refund' AND amount > 90);
SELECT id, customer_id FROM orders o WHERE EXISTS (SELECT 1 FROM events e WHERE e.customer_id = o.customer_id AND e.day = o.created);
SELECT id FROM orders o WHERE o.customer_id = 12 AND EXISTS (SELECT 1 FROM events e WHERE e.customer_id = o.customer_id);
SELECT code FROM currencies c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.currency = c.code AND o.total > 490);
SELECT code FROM currencies c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.currency = c.code AND o.customer_id = 60);
SELECT id FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM events WHERE kind = 'buy' AND amount > 40);
SELECT id FROM orders WHERE (customer_id, total) IN (SELECT customer_id, max(total) FROM orders GROUP BY customer_id);
SELECT id, total FROM orders WHERE total >= ALL (SELECT total FROM orders WHERE status = 'new');
SELECT id FROM orders WHERE total = ANY (SELECT price * 5 FROM items WHERE qty = 5);
SELECT avg(n), max(n) FROM (SELECT customer_id, count(*) AS n FROM items GROUP BY customer_id) t;
SELECT id, (SELECT count(*) FROM audit) AS audit_lines FROM orders WHERE customer_id = 9;
SELECT customer_id, count(*) FROM orders GROUP BY customer_id HAVING count(*) >= (SELECT count(*) / 60 FROM orders) ORDER BY customer_id;
SELECT kind, count(*) FROM events WHERE customer_id IN (SELECT customer_id FROM orders WHERE status = 'cancelled' AND total > 400) GROUP BY kind;
SELECT r.country, (SELECT max(population) FROM regions) - r.population AS below_max FROM regions r;
SELECT id FROM events WHERE amount > (SELECT avg(amount) FROM events) AND kind = 'login';
SELECT id, customer_id FROM orders WHERE id IN (SELECT max(id) FROM orders GROUP BY status);
-- params: 95
SELECT id, customer_id FROM orders WHERE customer_id IN (SELECT customer_id FROM events WHERE amount > ?);
-- params: 'paid'
SELECT id FROM orders WHERE total > (SELECT avg(total) FROM orders WHERE status = ?) AND status = 'new';

-- == joins not on the shard key ==
SELECT o.id, e.id AS event_id FROM orders o JOIN events e ON e.customer_id = o.customer_id AND e.day = o.created;
SELECT o.id, o.created, e.kind FROM orders o JOIN events e ON e.day = o.created WHERE o.status = 'paid';
SELECT a.id, b.id FROM orders a JOIN orders b ON b.created = a.created + 4 AND b.status = a.status;
SELECT o.id, i.line, i.sku FROM orders o JOIN items i ON i.order_id = o.id WHERE o.total > 480;
SELECT e.kind, count(*), sum(o.total) FROM events e JOIN orders o ON o.customer_id = e.customer_id AND o.created BETWEEN e.day - 30 AND e.day GROUP BY e.kind;
SELECT coalesce(o.customer_id, e.customer_id) AS customer, o.n AS orders, e.n AS buys FROM (SELECT customer_id, count(*) AS n FROM orders WHERE total > 400 GROUP BY customer_id) o FULL JOIN (SELECT customer_id, count(*) AS n FROM events WHERE kind = 'buy' AND amount > 80 GROUP BY customer_id) e ON e.customer_id = o.customer_id;
SELECT a.message, o.status FROM audit a JOIN orders o ON o.id = a.id;
SELECT o.id, a.message FROM orders o LEFT JOIN audit a ON a.id = o.customer_id WHERE o.customer_id < 8;
SELECT x.id, y.id FROM orders x JOIN orders y ON y.customer_id = x.customer_id + 7 AND y.id = x.id + 1 WHERE x.total > 400;
SELECT i.sku, count(DISTINCT o.status) FROM items i JOIN orders o ON o.id = i.order_id GROUP BY i.sku;
SELECT r.region, count(e.id) FROM regions r JOIN events e ON e.amount = r.population GROUP BY r.region;
-- params: 'buy'
SELECT o.id, e.day FROM orders o JOIN events e ON e.customer_id = o.customer_id WHERE e.kind = ? AND e.amount > 90;

-- == key lists through correlated and IN subqueries, tables named more than once ==
-- items twice (TPC-H Q17's shape): both occurrences narrowed to the paid orders' ids, bare names included.
SELECT sum(i.price) FROM items i, orders o WHERE o.id = i.order_id AND o.status = 'paid' AND i.qty < (SELECT avg(i2.qty) FROM items i2 WHERE i2.order_id = o.id);
SELECT sum(price), count(*) FROM items, orders WHERE id = order_id AND status = 'paid' AND qty <= (SELECT 0.9 * avg(qty) FROM items WHERE order_id = id);
-- A count that a missing row would make 0 (division by zero): every row the subquery reads is pulled.
SELECT o.id FROM orders o WHERE o.status = 'new' AND 1.0 / (SELECT count(*) FROM items i WHERE i.order_id = o.id) < 0.6;
SELECT o.id, o.total FROM orders o WHERE o.status = 'cancelled' AND NOT EXISTS (SELECT 1 FROM items i WHERE i.order_id = o.id AND i.qty > 3);
-- Aggregates that do not decompose, over the narrowed rows.
SELECT o.id FROM orders o WHERE o.total > 400 AND (SELECT string_agg(i.sku, ',' ORDER BY i.line DESC) FROM items i WHERE i.order_id = o.id) LIKE 'SKU-1%';
SELECT o.id FROM orders o WHERE o.status = 'new' AND 1 < (SELECT count(DISTINCT i.qty) FROM items i WHERE i.order_id = o.id);
SELECT o.id FROM orders o WHERE o.status = 'paid' AND o.total > 200 AND (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i.price) FROM items i WHERE i.order_id = o.id) > 40;
-- A bare name the subquery's own table has is its own (customer_id), the other the outer one's.
SELECT o.id FROM orders o WHERE o.status = 'paid' AND o.total > 300 AND EXISTS (SELECT 1 FROM items WHERE customer_id = o.customer_id AND order_id = o.id AND qty = 5);
-- A derived table cannot see the outer FROM: no list.
SELECT o.id FROM orders o WHERE o.status = 'paid' AND EXISTS (SELECT 1 FROM (SELECT order_id FROM items WHERE qty > 2) d WHERE d.order_id = o.id);
-- IN (SELECT ...) conjuncts: events for the customers the filtered orders name; not for NOT IN, an OR, or an expression.
SELECT id, day FROM events WHERE customer_id IN (SELECT customer_id FROM orders WHERE status = 'cancelled' AND total > 300);
SELECT id FROM events WHERE customer_id NOT IN (SELECT customer_id FROM orders WHERE status = 'cancelled' AND total > 300);
SELECT id FROM events WHERE customer_id IN (SELECT o.customer_id FROM orders o WHERE o.total > 300 AND o.status = 'paid') OR amount > 95;
SELECT id FROM events WHERE customer_id IN (SELECT nullif(customer_id, 5) FROM orders WHERE status = 'new' AND total > 250);
SELECT count(*) FROM events e WHERE e.customer_id IN (SELECT o.customer_id FROM orders o WHERE o.total > 480 GROUP BY o.customer_id HAVING count(*) >= 1);
SELECT id FROM orders WHERE id IN (SELECT order_id FROM items WHERE qty = 5 AND sku = 'SKU-3') AND total > 10;
-- Through a table pulled for a list (TPC-H Q20's shape): items correlated to events, which is pulled for the orders' customers.
SELECT e.id, e.amount FROM events e WHERE e.customer_id IN (SELECT o.customer_id FROM orders o WHERE o.status = 'cancelled' AND o.total > 250) AND e.amount > (SELECT 2 * sum(i.qty) FROM items i WHERE i.customer_id = e.customer_id AND i.line = 1);
-- Outer joins: the nullable side is not narrowed, and its NULL-extended rows stay.
SELECT o.id, i.line FROM orders o LEFT JOIN items i ON i.order_id = o.id AND i.qty > 4 WHERE o.status = 'paid' AND o.total > 400;
SELECT o.id, o2.id FROM orders o LEFT JOIN orders o2 ON o2.id = o.id + 1 AND o2.status = 'new' WHERE o.total > 450 AND NOT EXISTS (SELECT 1 FROM items i WHERE i.order_id = o2.id AND i.qty > 4);
-- An occurrence correlated to its own table (TPC-H Q21's shape): items whole.
SELECT i.order_id, i.line FROM items i, orders o WHERE o.id = i.order_id AND o.status = 'shipped' AND i.qty > 3 AND EXISTS (SELECT 1 FROM items i2 WHERE i2.order_id = i.order_id AND i2.line <> i.line) AND NOT EXISTS (SELECT 1 FROM items i3 WHERE i3.order_id = i.order_id AND i3.line <> i.line AND i3.qty > i.qty);
-- items three times (TPC-H Q21's shape on the shard key): the first semi-joined to the shipped orders on
-- customer_id (co-located), the others equal it on customer_id, so items is pulled with that EXISTS for all.
SELECT i.order_id, i.line FROM items i, orders o WHERE o.customer_id = i.customer_id AND o.id = i.order_id AND o.status = 'shipped' AND EXISTS (SELECT 1 FROM items i2 WHERE i2.customer_id = i.customer_id AND i2.order_id <> i.order_id) AND NOT EXISTS (SELECT 1 FROM items i3 WHERE i3.customer_id = i.customer_id AND i3.order_id <> i.order_id AND i3.qty > i.qty);
-- items three times, the first narrowed by a key list on order_id (the orders of one status over a total), the
-- others equal to it on the shard key customer_id: they take that list as a co-located EXISTS of items (TPC-H
-- Q21 with its suppliers); and with a count the subquery would get wrong over missing rows.
SELECT i.order_id, i.line FROM items i, orders o WHERE o.id = i.order_id AND o.status = 'shipped' AND o.total > 300 AND EXISTS (SELECT 1 FROM items i2 WHERE i2.customer_id = i.customer_id AND i2.order_id <> i.order_id) AND NOT EXISTS (SELECT 1 FROM items i3 WHERE i3.customer_id = i.customer_id AND i3.order_id <> i.order_id AND i3.qty > i.qty);
SELECT i.order_id, i.line FROM items i, orders o WHERE o.id = i.order_id AND o.status = 'paid' AND o.total > 350 AND 3 <= (SELECT count(*) FROM items i2 WHERE i2.customer_id = i.customer_id);
-- The same correlated on order_id (not the semi-join's column): items whole.
SELECT i.order_id, i.line FROM items i, orders o WHERE o.customer_id = i.customer_id AND o.status = 'shipped' AND NOT EXISTS (SELECT 1 FROM items i2 WHERE i2.order_id = i.order_id AND i2.line <> i.line AND i2.qty > i.qty);
SELECT a.order_id, b.order_id FROM items a, items b, orders o WHERE a.customer_id = b.customer_id AND o.customer_id = a.customer_id AND o.status = 'new' AND o.total > 300 AND a.line < b.line AND a.qty = 5;
-- A table named twice under one name, each with its own conditions: pulled for the OR of them (TPC-H Q22's shape).
SELECT count(*), sum(total) FROM orders WHERE status = 'paid' AND total > (SELECT avg(total) FROM orders WHERE status IN ('paid', 'new') AND total > 100);
SELECT substring(sku from 1 for 5) AS code, count(*), sum(price) FROM items WHERE substring(sku from 1 for 5) IN ('SKU-1', 'SKU-2') AND price > (SELECT avg(price) FROM items WHERE price > 10 AND substring(sku from 1 for 5) IN ('SKU-1', 'SKU-2')) AND NOT EXISTS (SELECT 1 FROM orders WHERE orders.id = items.order_id AND orders.status = 'cancelled') GROUP BY 1 ORDER BY 1;
-- One occurrence on the nullable side of an outer join (its conditions narrow nothing): orders whole.
SELECT id FROM orders WHERE status = 'new' AND total > 400 AND currency IN (SELECT c.code FROM currencies c LEFT JOIN orders ON orders.currency = c.code AND orders.total > 490 WHERE orders.id IS NULL);
-- params: 'paid' | 200.00
SELECT count(*) FROM orders WHERE status = ? AND total > (SELECT avg(total) FROM orders WHERE total > ?);
-- With the client's parameters in the filtered table's conditions.
-- params: 'paid' | 300.00
SELECT o.id FROM orders o WHERE o.status = ? AND o.total > ? AND 1 < (SELECT count(*) FROM items i WHERE i.order_id = o.id);

-- == key lists from reference and unsharded tables, chains over rounds ==
-- audit (unsharded, read on the coordinator) with a condition of its own gives orders its customer ids.
SELECT o.id, o.status, a.message FROM orders o, audit a WHERE a.id = o.customer_id AND a.message IN ('created', 'checked');
SELECT a.message, count(*), sum(o.total) FROM orders o JOIN audit a ON a.id = o.customer_id WHERE a.id < 4 GROUP BY a.message ORDER BY 1;
-- A chain: audit -> orders (customer_id) -> items (order_id, another column of orders): items in a third round.
SELECT i.order_id, i.line, i.sku FROM items i JOIN orders o ON o.id = i.order_id JOIN audit a ON a.id = o.customer_id WHERE a.message LIKE 'c%';
SELECT count(*), sum(i.price) FROM items i, orders o, audit a WHERE i.order_id = o.id AND o.customer_id = a.id AND a.message <> 'loaded' AND o.status = 'paid';
-- An IN over a local table: its rows under the subquery's conditions.
SELECT id, day FROM events WHERE customer_id IN (SELECT id FROM audit WHERE message LIKE '%e%') AND amount > 20;
-- numeric with numeric (currencies is a reference table).
SELECT o.id, c.code FROM orders o, currencies c WHERE o.total = c.rate AND c.code IN ('EUR', 'CHF', 'GBP');
-- Outer joins: the NULL-extended side's partner is not narrowed.
SELECT a.id, a.message, o.id FROM audit a LEFT JOIN orders o ON o.customer_id = a.id AND o.status = 'paid' WHERE a.message <> 'loaded';
SELECT o.id, a.message FROM orders o LEFT JOIN audit a ON a.id = o.customer_id AND a.message = 'created' WHERE o.total > 400;
SELECT o.id, a.message FROM orders o LEFT JOIN audit a ON a.id = o.customer_id WHERE a.message = 'created' OR a.id IS NULL;
-- A local condition under OR narrows nothing.
SELECT o.id FROM orders o, audit a WHERE a.id = o.customer_id AND (a.message = 'created' OR o.total > 450);
-- A subquery correlated to a local table may be evaluated with any of its rows: its table is not narrowed.
SELECT a.id, a.message, (SELECT count(*) FROM orders o WHERE o.customer_id = a.id) FROM audit a WHERE a.message IN ('created', 'ready');
SELECT a.id FROM audit a WHERE a.message = 'created' AND 1.0 / (SELECT count(*) FROM orders o WHERE o.customer_id = a.id AND o.status = 'paid') > 0.1;
SELECT a.id FROM audit a WHERE a.message <> 'loaded' AND 3 < (SELECT count(DISTINCT o.status) FROM orders o WHERE o.customer_id = a.id);

-- == IN subqueries grouped by the shard key, answered by each shard ==
-- items grouped by customer_id (its shard key): each shard answers the IN, their union narrows orders and items.
SELECT o.id, o.total FROM orders o WHERE o.customer_id IN (SELECT customer_id FROM items GROUP BY customer_id HAVING sum(qty) > 30);
SELECT o.customer_id, count(*), sum(i.qty) FROM orders o, items i WHERE o.id = i.order_id AND o.customer_id = i.customer_id AND i.customer_id IN (SELECT customer_id FROM items GROUP BY customer_id HAVING sum(qty) > 30) GROUP BY o.customer_id ORDER BY 3 DESC, 1 LIMIT 5;
SELECT count(*) FROM items WHERE customer_id IN (SELECT customer_id FROM items WHERE qty > 1 GROUP BY customer_id, line HAVING count(*) = 3);
-- Not the shard key, a LIMIT across groups, NOT IN, an OR: the IN's table is read whole on the coordinator.
SELECT o.id FROM orders o WHERE o.id IN (SELECT order_id FROM items GROUP BY order_id HAVING count(*) = 3) AND o.total > 300;
SELECT o.id FROM orders o WHERE o.customer_id IN (SELECT customer_id FROM items GROUP BY customer_id ORDER BY sum(qty) DESC, customer_id LIMIT 3);
SELECT count(*) FROM orders o WHERE o.customer_id NOT IN (SELECT customer_id FROM items GROUP BY customer_id HAVING sum(qty) > 30);
SELECT count(*) FROM orders o WHERE o.customer_id IN (SELECT customer_id FROM items GROUP BY customer_id HAVING sum(qty) > 30) OR o.total > 450;
-- params: 30
SELECT o.id FROM orders o WHERE o.customer_id IN (SELECT customer_id FROM items GROUP BY customer_id HAVING sum(qty) > ?);

-- == rows of reference tables next to sharded ones (outer joins, subqueries, no FROM) ==
SELECT c.code, o.id FROM currencies c LEFT JOIN orders o ON o.currency = c.code AND o.total > 495;
SELECT c.code, count(*) FROM currencies c LEFT JOIN orders o ON o.currency = c.code AND o.total > 490 GROUP BY c.code;
SELECT c.code, o.id FROM orders o RIGHT JOIN currencies c ON c.code = o.currency AND o.customer_id < 3;
SELECT NOT EXISTS (SELECT 1 FROM orders WHERE total < 0) AS none_negative;
SELECT (SELECT count(*) FROM orders) AS n, (SELECT max(day) FROM events) AS last_day;
SELECT c.code FROM currencies c WHERE c.code NOT IN (SELECT currency FROM orders WHERE currency IS NOT NULL AND total > 495);
SELECT id FROM orders WHERE total > ANY (SELECT total FROM orders WHERE customer_id = 1) AND customer_id = 2;
-- params: 'GBP'
SELECT c.code, o.id FROM currencies c LEFT JOIN orders o ON o.currency = c.code AND o.total > 490 WHERE c.code <> ?;

-- == FETCH FIRST, OFFSET, ORDER BY with NULLS and expressions ==
SELECT id, total FROM orders ORDER BY total DESC, id FETCH FIRST 5 ROWS ONLY;
SELECT id, status FROM (SELECT id, status FROM orders WHERE customer_id < 10 ORDER BY status FETCH FIRST 2 ROWS WITH TIES) t;
SELECT id, total FROM (SELECT id, total FROM orders ORDER BY total DESC FETCH FIRST 3 ROWS WITH TIES) t;
SELECT id FROM orders ORDER BY created DESC, id OFFSET 10 ROWS FETCH NEXT 5 ROWS ONLY;
SELECT id FROM orders ORDER BY id OFFSET 295;
SELECT id FROM orders WHERE status = 'new' ORDER BY id LIMIT ALL;
SELECT id, currency FROM orders WHERE customer_id < 20 ORDER BY currency NULLS FIRST, id;
SELECT id, currency FROM orders ORDER BY currency DESC NULLS LAST, id LIMIT 20;
SELECT id, currency FROM orders ORDER BY currency, id DESC LIMIT 80;
SELECT id, currency FROM orders ORDER BY currency DESC, id LIMIT 12;
SELECT id, total FROM orders ORDER BY total % 10, id LIMIT 10;
SELECT id, total FROM orders ORDER BY abs(total - 250), id LIMIT 10;
SELECT customer_id, order_id, line, sku FROM items ORDER BY length(sku) DESC, sku, customer_id, order_id, line LIMIT 10;
SELECT id, status FROM orders ORDER BY CASE status WHEN 'new' THEN 1 WHEN 'paid' THEN 2 ELSE 3 END, id LIMIT 15;
SELECT id, total * 2 AS twice FROM orders ORDER BY twice DESC, id LIMIT 5;
SELECT id, created - DATE '2023-01-01' AS age FROM orders ORDER BY 2 DESC, 1 LIMIT 5;
SELECT id, day FROM events ORDER BY extract(dow FROM day), day LIMIT 8;
SELECT id, customer_id, kind FROM events ORDER BY customer_id DESC NULLS FIRST, id OFFSET 390;
-- params: 3 | 2
SELECT id FROM orders ORDER BY id LIMIT ? OFFSET ?;
-- params: 4
SELECT id, total FROM orders ORDER BY total DESC, id LIMIT ?::INTEGER;
-- params: 3
SELECT id FROM orders ORDER BY id DESC FETCH FIRST ? ROWS ONLY;

-- == ORM-shaped statements ==
SELECT anon_1.orders_id, anon_1.orders_customer_id, anon_1.orders_total, items_1.line, items_1.sku FROM (SELECT orders.id AS orders_id, orders.customer_id AS orders_customer_id, orders.total AS orders_total FROM orders ORDER BY orders.id LIMIT 5 OFFSET 10) AS anon_1 LEFT OUTER JOIN items AS items_1 ON anon_1.orders_customer_id = items_1.customer_id AND anon_1.orders_id = items_1.order_id ORDER BY anon_1.orders_id, items_1.line;
-- params: 4 | 20
SELECT anon_1.orders_id, anon_1.orders_status, items_1.line, items_1.qty FROM (SELECT orders.id AS orders_id, orders.customer_id AS orders_customer_id, orders.status AS orders_status FROM orders WHERE orders.status = 'shipped' ORDER BY orders.created DESC, orders.id LIMIT ?::INTEGER OFFSET ?::INTEGER) AS anon_1 LEFT OUTER JOIN items AS items_1 ON anon_1.orders_customer_id = items_1.customer_id AND anon_1.orders_id = items_1.order_id ORDER BY anon_1.orders_id, items_1.line;
SELECT items.order_id AS items_order_id, items.customer_id AS items_customer_id, items.line AS items_line, items.sku AS items_sku, anon_1.orders_id AS anon_1_orders_id FROM (SELECT orders.id AS orders_id, orders.customer_id AS orders_customer_id FROM orders WHERE orders.total > 450) AS anon_1 JOIN items ON anon_1.orders_customer_id = items.customer_id AND anon_1.orders_id = items.order_id ORDER BY anon_1.orders_id, items.line;
SELECT items.order_id AS items_order_id, items.line AS items_line, anon_1.orders_id AS anon_1_orders_id FROM (SELECT orders.id AS orders_id, orders.customer_id AS orders_customer_id FROM orders ORDER BY orders.total DESC, orders.id LIMIT 4) AS anon_1 JOIN items ON anon_1.orders_customer_id = items.customer_id AND anon_1.orders_id = items.order_id ORDER BY anon_1.orders_id, items.line;
SELECT items.customer_id, items.order_id, items.line, items.sku FROM items WHERE items.order_id IN (1, 2, 3, 4) ORDER BY items.order_id, items.line;
SELECT orders.id, orders.customer_id FROM orders WHERE orders.id IN (SELECT items.order_id FROM items WHERE items.customer_id = orders.customer_id AND items.qty = 5);
SELECT orders.id, (SELECT count(items.line) FROM items WHERE items.customer_id = orders.customer_id AND items.order_id = orders.id) AS item_count FROM orders WHERE orders.customer_id IN (1, 2, 3);
SELECT count(*) AS count_1 FROM (SELECT orders.id AS orders_id, orders.customer_id AS orders_customer_id FROM orders WHERE orders.status = 'shipped') AS anon_1;
SELECT EXISTS (SELECT * FROM orders WHERE orders.total > 499) AS anon_1;
SELECT "orders"."id", "orders"."total" FROM "orders" WHERE "orders"."status" = 'new' ORDER BY "orders"."created" DESC, "orders"."id" DESC LIMIT 21;
SELECT "orders"."customer_id", COUNT("orders"."id") AS "n", SUM("orders"."total") AS "spent" FROM "orders" GROUP BY "orders"."customer_id" ORDER BY "spent" DESC, "orders"."customer_id" LIMIT 5;
SELECT COUNT(*) AS "__count" FROM "orders" WHERE "orders"."currency" IS NULL;
SELECT DISTINCT "orders"."status" FROM "orders" INNER JOIN "items" ON ("orders"."customer_id" = "items"."customer_id" AND "orders"."id" = "items"."order_id") WHERE "items"."qty" >= 5;
-- params: 'paid' | 5 | 3
select o1_0.id, o1_0.total from orders o1_0 where o1_0.status = ? order by o1_0.id offset ? rows fetch first ? rows only;
-- params: 14
SELECT orders.id, orders.total FROM orders WHERE orders.customer_id = ? AND orders.id IN (SELECT items.order_id FROM items WHERE items.customer_id = orders.customer_id AND items.line = 2);
-- params: 2 | 0
SELECT anon_1.orders_customer_id, anon_1.orders_id, items_1.sku FROM (SELECT orders.id AS orders_id, orders.customer_id AS orders_customer_id FROM orders ORDER BY orders.customer_id, orders.id LIMIT ?::INTEGER OFFSET ?::INTEGER) AS anon_1 JOIN items AS items_1 ON anon_1.orders_customer_id = items_1.customer_id AND anon_1.orders_id = items_1.order_id ORDER BY anon_1.orders_customer_id, anon_1.orders_id, items_1.line;

-- == joins with reference tables ==
SELECT o.id, o.total, c.rate, o.total * c.rate AS converted FROM orders o JOIN currencies c ON c.code = o.currency WHERE o.customer_id = 7;
SELECT o.id, c.name FROM orders o LEFT JOIN currencies c ON c.code = o.currency WHERE o.customer_id = 29;
SELECT o.id, c.code FROM orders o JOIN currencies c ON c.code = o.currency WHERE c.rate > 1;
SELECT o.id, c.name FROM orders o, currencies c WHERE c.code = o.currency AND o.customer_id IN (40, 41);
SELECT c.code, o.id FROM currencies c JOIN orders o ON o.currency = c.code AND o.customer_id = 3;
SELECT id FROM orders WHERE customer_id = 5 AND currency IN (SELECT code FROM currencies WHERE rate < 1);
-- params: 29
SELECT o.id, c.rate FROM orders o JOIN currencies c ON c.code = o.currency WHERE o.customer_id = ?;
-- needs: merge
SELECT c.code, count(o.id) FROM currencies c JOIN orders o ON o.currency = c.code GROUP BY c.code;

-- == co-located joins (on the shard key) ==
SELECT o.id, i.line, i.sku FROM orders o JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id WHERE o.customer_id = 8;
SELECT o.id, i.sku FROM orders o JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id WHERE i.customer_id = 44;
SELECT o.id, i.sku FROM orders o JOIN items i USING (customer_id) WHERE o.customer_id = 2 AND i.order_id = o.id;
SELECT o.id, i.line FROM orders o, items i WHERE o.customer_id = i.customer_id AND o.id = i.order_id AND o.status = 'cancelled';
SELECT o.customer_id, o.id, i.qty FROM orders o JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id WHERE i.qty = 5;
SELECT o.id, i.line FROM orders o LEFT JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id AND i.line = 3 WHERE o.customer_id IN (9, 10);
SELECT o.id, c.rate, i.sku FROM orders o JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id JOIN currencies c ON c.code = o.currency WHERE o.customer_id = 16;
SELECT id FROM orders o WHERE o.customer_id = 18 AND EXISTS (SELECT 1 FROM items i WHERE i.customer_id = o.customer_id AND i.order_id = o.id AND i.qty > 3);
SELECT id FROM orders WHERE customer_id = 4 AND id IN (SELECT order_id FROM items WHERE customer_id = 4 AND line = 2);
-- params: 44
SELECT o.id, i.sku FROM orders o JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id WHERE o.customer_id = ?;
-- needs: merge
SELECT o.status, sum(i.qty * i.price) FROM orders o JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id GROUP BY o.status;
SELECT o.id, r.name FROM orders o JOIN regions r ON r.country = o.currency;
SELECT o.id, a.message FROM orders o JOIN audit a ON a.id = o.id;

-- == CTEs and subqueries ==
WITH mine AS (SELECT id, total FROM orders WHERE customer_id = 20) SELECT id FROM mine WHERE total > 100;
WITH big AS (SELECT id, customer_id FROM orders WHERE total > 480) SELECT id, customer_id FROM big;
SELECT x.id FROM (SELECT id, total FROM orders WHERE customer_id = 21) x WHERE x.total < 200;
SELECT id, (SELECT rate FROM currencies c WHERE c.code = o.currency) FROM orders o WHERE customer_id = 23;
SELECT id FROM orders WHERE total > (SELECT avg(total) FROM orders);
SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY id) FROM orders;
SELECT id, row_number() OVER (ORDER BY id) FROM orders WHERE customer_id = 24;

-- == errors ==
SELECT 1 / 0 FROM orders WHERE customer_id = 8;
SELECT no_such_column FROM orders WHERE customer_id = 8;
SELECT * FROM no_such_table;
SELECT id FROM orders WHERE customer_id = 'abc';
SELECT id FROM orders WHERE customer_id = 8 AND status = 1;
INSERT INTO orders (id, customer_id, status) VALUES (1, 8, 'dup');
INSERT INTO audit (id, message) VALUES (1, 'dup');
INSERT INTO currencies (code, rate, name) VALUES ('EUR', 2, 'dup');
-- refused: 23514
INSERT INTO regions (region, country, name) VALUES ('mars', 'olympus', 'Red');
-- refused: 0A000
UPDATE orders SET customer_id = 2 WHERE customer_id = 1;
-- refused: 42P10
INSERT INTO orders (id, status) VALUES (9001, 'nokey');

-- == text order: mixed case, where a linguistic collation and byte order differ ==
SELECT CASE WHEN id % 2 = 0 THEN upper(status) ELSE status END AS s, count(*) FROM orders GROUP BY 1 ORDER BY 1;
SELECT id, CASE WHEN id % 3 = 0 THEN upper(sku) ELSE lower(sku) END AS s FROM items ORDER BY s, id LIMIT 12;
SELECT min(CASE WHEN id % 2 = 0 THEN upper(status) ELSE status END), max(CASE WHEN id % 2 = 0 THEN upper(status) ELSE status END) FROM orders;
SELECT DISTINCT CASE WHEN id % 2 = 0 THEN upper(kind) ELSE kind END AS k FROM events ORDER BY k DESC;
SELECT customer_id, max(CASE WHEN id % 2 = 0 THEN upper(status) ELSE status END) AS m FROM orders GROUP BY customer_id ORDER BY m, customer_id LIMIT 10;
SELECT id, CASE WHEN id % 2 = 0 THEN upper(status) ELSE status END AS s FROM orders ORDER BY s COLLATE "C", id LIMIT 10;
SELECT id, status FROM orders ORDER BY status, id DESC LIMIT 10;

-- == inserts ==
INSERT INTO orders (id, customer_id, status, total, currency, created) VALUES (1001, 8, 'new', 12.50, 'EUR', '2026-01-02');
INSERT INTO orders (id, customer_id, status, total, currency, created) VALUES (1002, 61, 'new', 1.00, 'USD', '2026-01-02'), (1003, 62, 'paid', 2.00, 'GBP', '2026-01-03'), (1004, 63, 'new', 3.00, 'JPY', '2026-01-04'), (1005, 64, 'new', 4.00, NULL, '2026-01-05');
INSERT INTO items (order_id, customer_id, line, sku, qty, price) VALUES (1002, 61, 1, 'SKU-1', 1, 1.00), (1003, 62, 1, 'SKU-2', 2, 1.00), (1004, 63, 1, 'SKU-3', 3, 1.00);
SELECT id, customer_id, status, total FROM orders WHERE customer_id IN (8, 61, 62, 63, 64) AND id > 1000;
INSERT INTO regions (region, country, name, population) VALUES ('eu', 'pt', 'Portugal', 10), ('us', 'cl', 'Chile', 19), ('apac', 'nz', 'New Zealand', 5);
SELECT country, name FROM regions WHERE country IN ('pt', 'cl', 'nz');
-- Without a column list: the table's column order, read from the default shard's catalog.
INSERT INTO orders VALUES (1101, 8, 'new', 5.00, 'EUR', '2026-02-01');
INSERT INTO orders VALUES (1102, 61, 'paid', 6.00, 'USD', '2026-02-02'), (1103, 62, DEFAULT, 7.00, 'GBP', '2026-02-03'), (1104, 63, 'new', 8.00, NULL, NULL);
INSERT INTO orders VALUES (1105, 64, 'new');
-- params: 1106 | 65 | 'paid'
INSERT INTO orders VALUES (?, ?, ?);
INSERT INTO items VALUES (1102, 61, 1, 'SKU-9', 1, 1.00), (1103, 62, 1, 'SKU-9', 2, 2.00);
SELECT id, customer_id, status, total, currency, created FROM orders WHERE id > 1100;
SELECT order_id, customer_id, sku, qty FROM items WHERE sku = 'SKU-9';
-- refused: 42P10
INSERT INTO orders VALUES (9002);
INSERT INTO events (id, day, kind, customer_id, amount) VALUES (1001, '2023-12-31', 'edge', 1, 1), (1002, '2024-12-31', 'edge', 2, 2), (1003, '2025-01-01', 'edge', 3, 3), (1004, '2026-01-01', 'edge', 4, 4), (1005, '2030-01-01', 'edge', 5, 5);
SELECT id, day FROM events WHERE kind = 'edge';
INSERT INTO orders (id, customer_id, status) VALUES (1006, 65, 'new') RETURNING id, customer_id, status;
INSERT INTO orders (id, customer_id, status) VALUES (1007, 66, 'new'), (1008, 67, 'new'), (1009, 68, 'new') RETURNING id, customer_id;
-- params: 1010 | 69 | 'prepared' | 7.25
INSERT INTO orders (id, customer_id, status, total) VALUES (?, ?, ?, ?);
-- params: 1011 | 69 | 1012 | 69
INSERT INTO orders (id, customer_id, status) VALUES (?, ?, 'two'), (?, ?, 'two');
-- params: 1013 | 70 | 1014 | 71
INSERT INTO orders (id, customer_id, status) VALUES (?, ?, 'split'), (?, ?, 'split');
-- params: 1015 | 72 | 'ret'
INSERT INTO orders (id, customer_id, status) VALUES (?, ?, ?) RETURNING id, status;
SELECT id, customer_id, status, total FROM orders WHERE customer_id BETWEEN 65 AND 72;
INSERT INTO currencies (code, rate, name) VALUES ('SEK', 11.2000, 'Krona');
INSERT INTO currencies (code, rate, name) VALUES ('NOK', 11.5000, 'Norwegian krone'), ('DKK', 7.4600, 'Danish krone') RETURNING code;
SELECT code, rate, name FROM currencies;
INSERT INTO audit (id, message) VALUES (100, 'inserted through the corpus');
SELECT id, message FROM audit WHERE id >= 100;
-- INSERT ... SELECT reading several shards: rows concatenated, merged (GROUP BY), coordinated (count(DISTINCT), LIMIT), with parameters.
INSERT INTO items (order_id, customer_id, line, sku, qty, price) SELECT id, customer_id, 9, 'SKU-SEL', 1, total FROM orders WHERE id > 1100 AND id < 1110;
-- params: 5000 | 'paid'
INSERT INTO orders (id, customer_id, status, total) SELECT ? + customer_id, customer_id, 'grouped', sum(total) FROM orders WHERE status = ? GROUP BY customer_id;
-- params: 3000
INSERT INTO events (id, day, kind, customer_id, amount) SELECT ? + count(DISTINCT status), '2025-03-03', 'distinct', 1, count(*) FROM orders;
INSERT INTO events (id, day, kind, customer_id, amount) SELECT id, created, 'top', customer_id, 1 FROM orders WHERE created IS NOT NULL ORDER BY total DESC NULLS LAST, id LIMIT 3;
SELECT order_id, customer_id, line, sku, price FROM items WHERE sku = 'SKU-SEL';
SELECT id, customer_id, status, total FROM orders WHERE status = 'grouped';
SELECT id, day, kind, customer_id, amount FROM events WHERE kind IN ('distinct', 'top');

-- == upserts ==
INSERT INTO orders (id, customer_id, status, total) VALUES (1001, 8, 'upserted', 99.00) ON CONFLICT (customer_id, id) DO UPDATE SET status = excluded.status, total = excluded.total;
INSERT INTO orders (id, customer_id, status) VALUES (1002, 61, 'again') ON CONFLICT DO NOTHING;
INSERT INTO orders (id, customer_id, status) VALUES (1002, 61, 'x'), (1003, 62, 'y'), (1100, 73, 'z') ON CONFLICT (customer_id, id) DO UPDATE SET status = excluded.status || '!' RETURNING id, status;
INSERT INTO orders (id, customer_id, status) VALUES (1101, 74, 'a'), (1004, 63, 'b') ON CONFLICT DO NOTHING RETURNING id;
INSERT INTO currencies (code, rate, name) VALUES ('SEK', 11.3000, 'Krona') ON CONFLICT (code) DO UPDATE SET rate = excluded.rate;
INSERT INTO regions (region, country, name, population) VALUES ('eu', 'pt', 'Portugal', 11) ON CONFLICT (region, country) DO UPDATE SET population = excluded.population RETURNING population;
-- params: 1001 | 8 | 'param-upsert'
INSERT INTO orders (id, customer_id, status) VALUES (?, ?, ?) ON CONFLICT (customer_id, id) DO UPDATE SET status = excluded.status;
SELECT id, customer_id, status, total FROM orders WHERE customer_id IN (8, 61, 62, 63, 73, 74) AND id > 1000;
-- refused: 0A000
INSERT INTO orders (id, customer_id) VALUES (1001, 8) ON CONFLICT (customer_id, id) DO UPDATE SET customer_id = 9;

-- == updates ==
UPDATE orders SET status = 'paid' WHERE customer_id = 8 AND status = 'new';
UPDATE orders SET total = total + 1 WHERE customer_id IN (10, 11, 12);
UPDATE orders SET status = 'archived' WHERE created < '2023-03-01';
UPDATE orders SET total = total * 2 WHERE status = 'cancelled' AND customer_id = 3;
UPDATE orders SET status = 'closed' WHERE customer_id = 13 RETURNING id, status;
UPDATE orders SET total = 0 WHERE total > 495 RETURNING id, customer_id;
UPDATE items SET qty = qty + 10 WHERE customer_id = 14 AND line = 1;
UPDATE items SET price = price - 0.01 WHERE sku = 'SKU-9';
UPDATE regions SET population = population + 1 WHERE region = 'us';
UPDATE regions SET name = upper(name) WHERE population < 20;
UPDATE events SET amount = amount + 100 WHERE day = '2025-07-18';
UPDATE events SET kind = 'old' WHERE day < '2023-03-01';
UPDATE currencies SET rate = rate * 1.01 WHERE code = 'USD';
UPDATE currencies SET name = name || ' (ref)' RETURNING code, name;
UPDATE audit SET message = message || ' (edited)' WHERE id = 2;
UPDATE orders SET status = 'none' WHERE customer_id = 999;
UPDATE orders o SET status = 'converted' FROM currencies c WHERE c.code = o.currency AND c.rate > 100 AND o.customer_id = 15;
-- params: 'prepared-update' | 16
UPDATE orders SET status = ? WHERE customer_id = ?;
-- params: 'by-status' | 'shipped'
UPDATE orders SET status = ? WHERE status = ? AND total < 50;
-- UPDATE ... WHERE col IN (SELECT ...) reading other shards: the subquery first, concatenated, merged or coordinated.
-- params: 'sub-update' | 450.00
UPDATE items SET sku = ? WHERE order_id IN (SELECT id FROM orders WHERE total > ?);
UPDATE orders SET status = 'max-sub' WHERE id IN (SELECT max(order_id) FROM items);
UPDATE events SET kind = 'sub' WHERE customer_id IN (SELECT customer_id FROM orders WHERE status = 'paid') AND amount < 10;
SELECT customer_id, order_id, line, sku FROM items WHERE sku = 'sub-update';
SELECT id, customer_id, status FROM orders WHERE status = 'max-sub';
SELECT id, day, kind FROM events WHERE kind = 'sub';
SELECT id, customer_id, status, total FROM orders WHERE customer_id IN (8, 10, 11, 12, 13, 15, 16);
SELECT id, status FROM orders WHERE status IN ('archived', 'by-status', 'converted');
SELECT customer_id, order_id, line, qty, price FROM items WHERE customer_id = 14 OR sku = 'SKU-9';
SELECT region, country, name, population FROM regions;
SELECT id, day, kind, amount FROM events WHERE day = '2025-07-18' OR kind = 'old';
SELECT code, rate, name FROM currencies;

-- == deletes ==
DELETE FROM items WHERE customer_id = 17 AND line = 3;
DELETE FROM orders WHERE customer_id = 17 AND status = 'cancelled';
DELETE FROM items WHERE qty = 1 AND sku = 'SKU-20';
DELETE FROM orders WHERE customer_id IN (61, 62) RETURNING id;
DELETE FROM orders WHERE status = 'closed' RETURNING id, customer_id;
DELETE FROM regions WHERE country = 'cl';
DELETE FROM events WHERE day >= '2030-01-01';
DELETE FROM events WHERE kind = 'edge' RETURNING id, day;
DELETE FROM currencies WHERE code = 'DKK';
DELETE FROM audit WHERE id = 100;
DELETE FROM orders WHERE customer_id = 999;
DELETE FROM orders o USING currencies c WHERE c.code = o.currency AND c.code = 'JPY' AND o.customer_id = 18;
-- params: 19
DELETE FROM orders WHERE customer_id = ? AND total < 100;
-- DELETE ... WHERE col IN (SELECT ...) reading other shards.
-- params: 'SKU-SEL'
DELETE FROM orders WHERE id IN (SELECT order_id FROM items WHERE sku = ?) RETURNING id, status;
DELETE FROM events WHERE id IN (SELECT count(DISTINCT status) + 3000 FROM orders);
SELECT id, kind FROM events WHERE kind = 'distinct';
SELECT id, customer_id, status FROM orders WHERE customer_id IN (17, 18, 19, 61, 62);
SELECT customer_id, order_id, line FROM items WHERE customer_id = 17 OR sku = 'SKU-20';
SELECT region, country FROM regions;
SELECT code FROM currencies;

-- == transactions ==
BEGIN;
INSERT INTO orders (id, customer_id, status) VALUES (2001, 1, 'tx'), (2002, 2, 'tx'), (2003, 3, 'tx');
UPDATE orders SET total = 5 WHERE id >= 2001 AND id <= 2003;
SELECT id, customer_id, total FROM orders WHERE customer_id IN (1, 2, 3) AND status = 'tx';
COMMIT;
BEGIN;
DELETE FROM orders WHERE status = 'tx';
INSERT INTO currencies (code, rate, name) VALUES ('PLN', 4.3, 'Zloty');
ROLLBACK;
SELECT id, customer_id, total FROM orders WHERE status = 'tx';
SELECT code FROM currencies WHERE code = 'PLN';
BEGIN;
INSERT INTO orders (id, customer_id, status) VALUES (2004, 4, 'tx');
INSERT INTO orders (id, customer_id, status) VALUES (2004, 4, 'tx');
SELECT 1;
ROLLBACK;
SELECT id FROM orders WHERE customer_id = 4 AND id = 2004;
-- Local key sources written earlier in the same transaction: read as the transaction sees them.
BEGIN;
UPDATE audit SET message = 'moved' WHERE id = 4;
INSERT INTO currencies (code, rate, name) VALUES ('TXC', 123.45, 'in tx');
INSERT INTO orders (id, customer_id, status, total) VALUES (2101, 5, 'tx', 123.45), (2102, 6, 'tx', 1.00);
INSERT INTO events (id, day, kind, customer_id, amount) VALUES (3001, '2025-05-05', 'tx', NULL, NULL), (3002, '2025-05-06', 'tx', 2, 2);
SELECT o.id, o.status, a.message FROM orders o, audit a WHERE a.id = o.customer_id AND a.message = 'moved';
SELECT o.id, c.code FROM orders o, currencies c WHERE o.total = c.rate AND c.name IN ('in tx', 'Euro');
SELECT i.order_id, i.line FROM items i JOIN orders o ON o.id = i.order_id JOIN audit a ON a.id = o.customer_id WHERE a.message = 'moved';
SELECT e.id, a.message FROM events e LEFT JOIN audit a ON a.id = e.amount WHERE e.kind = 'tx';
SELECT e.id, a.message FROM events e, audit a WHERE a.id = e.amount AND a.message LIKE '%e%' AND e.kind = 'tx';
ROLLBACK;
SELECT o.id, o.status, a.message FROM orders o, audit a WHERE a.id = o.customer_id AND a.message = 'moved';

-- == DDL ==
CREATE TABLE scratch (id int PRIMARY KEY, note text);
INSERT INTO scratch (id, note) VALUES (1, 'one'), (2, 'two');
SELECT id, note FROM scratch ORDER BY id;
DROP TABLE scratch;
CREATE INDEX orders_status_idx ON orders (status);
SELECT id FROM orders WHERE status = 'by-status';
DROP INDEX orders_status_idx;
CREATE INDEX orders_status_idx ON orders (status);

-- == COPY ==
COPY (SELECT id, status, total FROM orders WHERE customer_id = 20 ORDER BY id) TO STDOUT;
COPY (SELECT id, sku FROM items WHERE customer_id = 21) TO STDOUT WITH (FORMAT csv, HEADER);
COPY currencies TO STDOUT;
COPY (SELECT code, rate FROM currencies ORDER BY code) TO STDOUT WITH (FORMAT csv);
COPY regions TO STDOUT;
COPY (SELECT id, customer_id FROM orders WHERE status = 'paid') TO STDOUT;
COPY audit (id, message) FROM STDIN;
200	copied one
201	copied two
202	copied\ttab
\.
SELECT id, message FROM audit ORDER BY id;
COPY audit TO STDOUT WITH (FORMAT csv);
COPY audit FROM STDIN WITH (FORMAT csv);
203,"csv, with comma"
204,plain
\.
COPY audit FROM STDIN;
200	duplicate
\.
SELECT count(*) FROM audit;
COPY orders (id, customer_id, status) FROM STDIN;
3001	30	copied
3002	31	copied
\.
COPY currencies (code, rate, name) FROM STDIN WITH (FORMAT csv);
XAU,0.0005,"Gold, troy ounce"
XAG,0.0400,Silver
\.
SELECT code, rate, name FROM currencies WHERE code LIKE 'XA%' ORDER BY code;
COPY currencies FROM STDIN;
CHF	0.9400	Swiss franc
XAU	1	duplicate
\.
SELECT count(*) FROM currencies;

-- == after everything: the whole state, both sides ==
SELECT id, customer_id, status, total, currency, created FROM orders;
SELECT customer_id, order_id, line, sku, qty, price FROM items;
SELECT region, country, name, population FROM regions;
SELECT id, day, kind, customer_id, amount FROM events;
SELECT code, rate, name FROM currencies;
SELECT id, message FROM audit;
