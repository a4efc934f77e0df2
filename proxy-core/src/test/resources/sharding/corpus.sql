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
