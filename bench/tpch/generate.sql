-- A deterministic TPC-H data generator in SQL (no dbgen, no network): the same settings give the
-- same rows on any PostgreSQL. Run it after schema.sql and before indexes.sql, in one session:
--
--   SET tpch.scale = '0.01';                           -- scale factor SF (0.01: about 60,000 lineitems)
--   SET tpch.modulus = '3'; SET tpch.remainder = '1';  -- optional: only the rows of one hash shard
--   \i generate.sql
--
-- Sizes and value ranges follow the TPC-H specification (2.18, clause 4.2.3): SF * 10,000 suppliers,
-- 200,000 parts with 4 suppliers each, 150,000 customers, 1,500,000 orders of 1 to 7 lineitems
-- (about 6,000,000 lineitems), sparse order keys (8 of every 32), customers whose key is a multiple
-- of 3 without orders, the spec's formulas for p_retailprice, ps_suppkey, l_suppkey,
-- l_extendedprice, o_totalprice, o_orderstatus, l_returnflag and l_linestatus, and its word lists
-- (p_name colours, p_type, p_container, segments, priorities, ship modes and instructions).
-- One departure: one order in 2,048 is big, for Q18 (see tpch_order_base). Two simplifications:
-- comments are cut from 4,096 runs of the spec's words (dbgen cuts them from a pool of sentences
-- of its grammar), and addresses from 4,096 runs of random letters and digits. Every "random"
-- value is hashint8extended(row key, a stream number of its own): no two columns share a
-- sequence, and nothing depends on the order in which rows are made.
--
-- At SF 0.02 (about 120,000 lineitems) every one of the 22 queries returns rows (at SF 0.01 Q20
-- does not: no supplier in CANADA). The spec's ps_suppkey formula repeats a supplier of a part
-- when there are fewer than about 230 suppliers and the scale is unlucky (SF 0.015): indexes.sql
-- then fails on partsupp's primary key; 0.01 and 0.02 are fine.
--
-- With tpch.modulus = N and tpch.remainder = i, each sharded table gets only the rows whose shard
-- key PostgreSQL's hash partitioning (modulus N) puts in remainder i: what pgsteer places on the
-- i-th of N hash shards (README, "Tables and sharding functions"). lineitem and orders go by
-- orderkey, customer by custkey, part and partsupp by partkey, supplier by suppkey; nation and
-- region are whole on every shard (reference tables). Run once per shard with its remainder, and
-- once without tpch.modulus on the PostgreSQL that holds all rows: the shards together hold
-- exactly its rows.

-- A value in lo .. hi for a row key and a stream (PostgreSQL's 64-bit hash of the key, salted).
-- SQL functions without FROM are inlined: no call per row.
CREATE FUNCTION pg_temp.tpch_rnd(key bigint, stream bigint, lo bigint, hi bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT lo + (hashint8extended(key, stream) & 4611686018427387903) % (hi - lo + 1) $$;
-- lo to hi characters of a run of text (streams n and n + 1000 are the stream n's).
CREATE FUNCTION pg_temp.tpch_cut(run text, key bigint, stream bigint, lo int, hi int) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT substr(run, 1 + pg_temp.tpch_rnd(key, stream, 0, length(run) - hi)::int,
                        pg_temp.tpch_rnd(key, stream + 1000, lo, hi)::int) $$;
-- Which run of text a row cuts its comment or address from.
CREATE FUNCTION pg_temp.tpch_run(key bigint, stream bigint) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT pg_temp.tpch_rnd(key, stream + 2000, 0, 4095)::int $$;
-- CC-ddd-ddd-dddd, CC the nation's key + 10 (Q22 reads it).
CREATE FUNCTION pg_temp.tpch_phone(nation int, key bigint, stream bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (nation + 10) || '-' || pg_temp.tpch_rnd(key, stream, 100, 999) || '-'
                 || pg_temp.tpch_rnd(key, stream + 1000, 100, 999) || '-'
                 || pg_temp.tpch_rnd(key, stream + 2000, 1000, 9999) $$;
-- The spec's P_RETAILPRICE of a part key (clause 4.2.3).
CREATE FUNCTION pg_temp.tpch_retailprice(partkey int) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (90000 + ((partkey / 10) % 20001) + 100 * (partkey % 1000)) / 100.0 $$;
-- The spec's i-th supplier (0 to 3) of a part: PS_SUPPKEY, also L_SUPPKEY.
CREATE FUNCTION pg_temp.tpch_suppkey(partkey int, i int, suppliers int) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ((partkey + (i * ((suppliers / 4) + (partkey - 1) / suppliers))) % suppliers + 1)::int $$;

-- satisfies_hash_partition needs a hash-partitioned parent: this one only lends it the key's type.
CREATE TEMP TABLE tpch_key (k integer) PARTITION BY HASH (k);

-- The sizes, and which shard's rows to make (modulus 1: every row).
CREATE TEMP TABLE tpch_size AS
SELECT sf,
       greatest(1, floor(10000 * sf))::int   AS suppliers,
       greatest(1, floor(200000 * sf))::int  AS parts,
       greatest(3, floor(150000 * sf))::int  AS customers,
       greatest(1, floor(1500000 * sf))::int AS orders,
       greatest(1, floor(1000 * sf))::int    AS clerks,
       modulus, remainder,
       'pg_temp.tpch_key'::regclass::oid     AS parent
FROM (SELECT current_setting('tpch.scale')::numeric AS sf,
             coalesce(nullif(current_setting('tpch.modulus', true), ''), '1')::int AS modulus,
             coalesce(nullif(current_setting('tpch.remainder', true), ''), '0')::int AS remainder) s;

CREATE TEMP TABLE tpch_words AS
SELECT ARRAY['almond','antique','aquamarine','azure','beige','bisque','black','blanched','blue',
             'blush','brown','burlywood','burnished','chartreuse','chiffon','chocolate','coral',
             'cornflower','cornsilk','cream','cyan','dark','deep','dim','dodger','drab','firebrick',
             'floral','forest','frosted','gainsboro','ghost','goldenrod','green','grey','honeydew',
             'hot','indian','ivory','khaki','lace','lavender','lawn','lemon','light','lime','linen',
             'magenta','maroon','medium','metallic','midnight','mint','misty','moccasin','navajo',
             'navy','olive','orange','orchid','pale','papaya','peach','peru','pink','plum','powder',
             'puff','purple','red','rose','rosy','royal','saddle','salmon','sandy','seashell',
             'sienna','sky','slate','smoke','snow','spring','steel','tan','thistle','tomato',
             'turquoise','violet','wheat','white','yellow'] AS colours,
       ARRAY['STANDARD','SMALL','MEDIUM','LARGE','ECONOMY','PROMO'] AS type1,
       ARRAY['ANODIZED','BURNISHED','PLATED','POLISHED','BRUSHED'] AS type2,
       ARRAY['TIN','NICKEL','BRASS','STEEL','COPPER'] AS type3,
       ARRAY['SM','LG','MED','JUMBO','WRAP'] AS container1,
       ARRAY['CASE','BOX','BAG','JAR','PKG','PACK','CAN','DRUM'] AS container2,
       ARRAY['AUTOMOBILE','BUILDING','FURNITURE','MACHINERY','HOUSEHOLD'] AS segments,
       ARRAY['1-URGENT','2-HIGH','3-MEDIUM','4-NOT SPECIFIED','5-LOW'] AS priorities,
       ARRAY['DELIVER IN PERSON','COLLECT COD','NONE','TAKE BACK RETURN'] AS instructions,
       ARRAY['REG AIR','AIR','RAIL','SHIP','TRUCK','MAIL','FOB'] AS modes;

-- 4,096 runs of 60 words of the spec's grammar (nouns, verbs, adjectives, adverbs, prepositions,
-- terminators) for comments, and of 40 letters and digits for addresses.
CREATE TEMP TABLE tpch_text (id int PRIMARY KEY, words text NOT NULL, chars text NOT NULL);
INSERT INTO tpch_text (id, words, chars)
SELECT i,
       (SELECT string_agg(v.w[1 + pg_temp.tpch_rnd(i * 64 + j, 57, 0, array_length(v.w, 1) - 1)], ' ' ORDER BY j)
        FROM generate_series(1, 60) j),
       (SELECT string_agg(substr('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,.',
                                 1 + pg_temp.tpch_rnd(i * 64 + j, 58, 0, 63)::int, 1), '' ORDER BY j)
        FROM generate_series(1, 40) j)
FROM generate_series(0, 4095) i,
     (SELECT ARRAY['foxes','ideas','theodolites','pinto','beans','instructions','dependencies',
                           'excuses','platelets','asymptotes','courts','dolphins','multipliers',
                           'sauternes','warthogs','frets','dinos','attainments','somas','Tiresias',
                           'patterns','forges','braids','frays','warhorses','dugouts','notornis',
                           'epitaphs','pearls','tithes','waters','orbits','gifts','sheaves','depths',
                           'sentiments','decoys','realms','pains','grouches','escapades','packages',
                           'requests','accounts','deposits','foxes','hockey','players',
                           'sleep','wake','are','cajole','haggle','nag','use','boost','affix','detect',
                           'integrate','maintain','nod','was','lose','sublate','solve','thrash',
                           'promise','engage','hinder','print','x-ray','breach','eat','grow','impress',
                           'mold','poach','serve','run','dazzle','snooze','doze','unwind','kindle',
                           'play','hang','believe','doubt',
                           'furious','sly','careful','blithe','quick','fluffy','slow','quiet',
                           'ruthless','thin','close','dogged','daring','brave','stealthy','permanent',
                           'enticing','idle','busy','regular','final','ironic','even','bold','silent',
                           'special','pending','express','unusual',
                           'sometimes','always','never','furiously','slyly','carefully','blithely',
                           'quickly','fluffily','slowly','quietly','ruthlessly','thinly','closely',
                           'doggedly','daringly','bravely','stealthily','permanently','enticingly',
                           'idly','busily','regularly','finally','ironically','evenly','boldly',
                           'silently','about','above','across','after','against','along','among',
                           'around','at','atop','before','behind','beneath','beside','between',
                           'beyond','by','during','for','from','in','inside','into','near','of','on',
                           'outside','over','past','since','through','to','toward','under','until',
                           'upon','without','with','within','.',';',':','?','!','--'] AS w) v;
ANALYZE tpch_text;

-- Streams: supplier 1-9, part 10-22, partsupp 23-26, customer 27-36, orders 37-43, lineitem 44-56,
-- text runs 57-58, region and nation 59-60.
INSERT INTO region (r_regionkey, r_name, r_comment)
SELECT k, name, pg_temp.tpch_cut(t.words, k, 59, 31, 115)
FROM unnest(ARRAY['AFRICA','AMERICA','ASIA','EUROPE','MIDDLE EAST']) WITH ORDINALITY AS r(name, n)
     CROSS JOIN LATERAL (SELECT (n - 1)::int AS k) x
     JOIN tpch_text t ON t.id = pg_temp.tpch_run(k, 59);

INSERT INTO nation (n_nationkey, n_name, n_regionkey, n_comment)
SELECT k, name, region, pg_temp.tpch_cut(t.words, k, 60, 31, 114)
FROM (VALUES (0, 'ALGERIA', 0), (1, 'ARGENTINA', 1), (2, 'BRAZIL', 1), (3, 'CANADA', 1),
             (4, 'EGYPT', 4), (5, 'ETHIOPIA', 0), (6, 'FRANCE', 3), (7, 'GERMANY', 3),
             (8, 'INDIA', 2), (9, 'INDONESIA', 2), (10, 'IRAN', 4), (11, 'IRAQ', 4),
             (12, 'JAPAN', 2), (13, 'JORDAN', 4), (14, 'KENYA', 0), (15, 'MOROCCO', 0),
             (16, 'MOZAMBIQUE', 0), (17, 'PERU', 1), (18, 'CHINA', 2), (19, 'ROMANIA', 3),
             (20, 'SAUDI ARABIA', 4), (21, 'VIETNAM', 2), (22, 'RUSSIA', 3),
             (23, 'UNITED KINGDOM', 3), (24, 'UNITED STATES', 1)) AS n(k, name, region)
     JOIN tpch_text t ON t.id = pg_temp.tpch_run(k, 60);

-- One supplier in 97 has "Customer ... Complaints" in its comment (Q16 leaves those out).
INSERT INTO supplier (s_suppkey, s_name, s_address, s_nationkey, s_phone, s_acctbal, s_comment)
SELECT k, 'Supplier#' || lpad(k::text, 9, '0'), pg_temp.tpch_cut(a.chars, k, 1, 10, 40), nation,
       pg_temp.tpch_phone(nation, k, 4), pg_temp.tpch_rnd(k, 7, -99999, 999999) / 100.0,
       CASE WHEN k % 97 = 13
            THEN 'Customer ' || pg_temp.tpch_cut(c.words, k, 8, 10, 40) || ' Complaints'
            ELSE pg_temp.tpch_cut(c.words, k, 8, 25, 100) END
FROM tpch_size z CROSS JOIN generate_series(1, z.suppliers) k
     CROSS JOIN LATERAL (SELECT pg_temp.tpch_rnd(k, 3, 0, 24)::int AS nation) n
     JOIN tpch_text a ON a.id = pg_temp.tpch_run(k, 1)
     JOIN tpch_text c ON c.id = pg_temp.tpch_run(k, 8)
WHERE z.modulus = 1 OR satisfies_hash_partition(z.parent, z.modulus, z.remainder, k);

INSERT INTO part (p_partkey, p_name, p_mfgr, p_brand, p_type, p_size, p_container, p_retailprice, p_comment)
SELECT k,
       -- five different colours: a start and a step below 23 never meet again within 92
       w.colours[1 + first % 92] || ' ' || w.colours[1 + (first + step) % 92] || ' '
           || w.colours[1 + (first + 2 * step) % 92] || ' ' || w.colours[1 + (first + 3 * step) % 92] || ' '
           || w.colours[1 + (first + 4 * step) % 92],
       'Manufacturer#' || m, 'Brand#' || m || pg_temp.tpch_rnd(k, 13, 1, 5),
       w.type1[pg_temp.tpch_rnd(k, 14, 1, 6)] || ' ' || w.type2[pg_temp.tpch_rnd(k, 15, 1, 5)]
           || ' ' || w.type3[pg_temp.tpch_rnd(k, 16, 1, 5)],
       pg_temp.tpch_rnd(k, 17, 1, 50),
       w.container1[pg_temp.tpch_rnd(k, 18, 1, 5)] || ' ' || w.container2[pg_temp.tpch_rnd(k, 19, 1, 8)],
       pg_temp.tpch_retailprice(k), pg_temp.tpch_cut(c.words, k, 20, 5, 22)
FROM tpch_size z CROSS JOIN tpch_words w CROSS JOIN generate_series(1, z.parts) k
     CROSS JOIN LATERAL (SELECT pg_temp.tpch_rnd(k, 10, 0, 91) AS first, pg_temp.tpch_rnd(k, 11, 1, 22) AS step,
                     pg_temp.tpch_rnd(k, 12, 1, 5) AS m) r
     JOIN tpch_text c ON c.id = pg_temp.tpch_run(k, 20)
WHERE z.modulus = 1 OR satisfies_hash_partition(z.parent, z.modulus, z.remainder, k);

INSERT INTO partsupp (ps_partkey, ps_suppkey, ps_availqty, ps_supplycost, ps_comment)
SELECT k, pg_temp.tpch_suppkey(k, i, z.suppliers), pg_temp.tpch_rnd(key, 23, 1, 9999),
       pg_temp.tpch_rnd(key, 24, 100, 100000) / 100.0, pg_temp.tpch_cut(c.words, key, 25, 49, 198)
FROM tpch_size z CROSS JOIN generate_series(1, z.parts) k CROSS JOIN generate_series(0, 3) i
     CROSS JOIN LATERAL (SELECT k::bigint * 4 + i AS key) seed
     JOIN tpch_text c ON c.id = pg_temp.tpch_run(key, 25)
WHERE z.modulus = 1 OR satisfies_hash_partition(z.parent, z.modulus, z.remainder, k);

INSERT INTO customer (c_custkey, c_name, c_address, c_nationkey, c_phone, c_acctbal, c_mktsegment, c_comment)
SELECT k, 'Customer#' || lpad(k::text, 9, '0'), pg_temp.tpch_cut(a.chars, k, 27, 10, 40), nation,
       pg_temp.tpch_phone(nation, k, 30), pg_temp.tpch_rnd(k, 33, -99999, 999999) / 100.0,
       w.segments[pg_temp.tpch_rnd(k, 34, 1, 5)], pg_temp.tpch_cut(c.words, k, 35, 29, 116)
FROM tpch_size z CROSS JOIN tpch_words w CROSS JOIN generate_series(1, z.customers) k
     CROSS JOIN LATERAL (SELECT pg_temp.tpch_rnd(k, 29, 0, 24)::int AS nation) n
     JOIN tpch_text a ON a.id = pg_temp.tpch_run(k, 27)
     JOIN tpch_text c ON c.id = pg_temp.tpch_run(k, 35)
WHERE z.modulus = 1 OR satisfies_hash_partition(z.parent, z.modulus, z.remainder, k);

-- What orders are made of before their lineitems exist (o_totalprice and o_orderstatus come from
-- them): the orders of this shard, with sparse keys as dbgen's (the first 8 of every 32).
-- One order in 2,048 is "big": 7 lineitems of 43 to 50 units each, over 300 in all. Q18 looks for
-- such orders; under the spec's distributions they are about 1 in 26,000 (57 at SF 1), so none at
-- the small scales of tests. The only departure from the spec's distributions.
CREATE TEMP TABLE tpch_order_base AS
SELECT o.orderkey,
       -- a key in 1 .. customers that is not a multiple of 3: a third of the customers have no orders
       (r + (r - 1) / 2)::int AS custkey,
       date '1992-01-01' + pg_temp.tpch_rnd(o.orderkey, 38, 0, date '1998-08-02' - date '1992-01-01')::int AS orderdate,
       w.priorities[pg_temp.tpch_rnd(o.orderkey, 39, 1, 5)] AS priority,
       'Clerk#' || lpad(pg_temp.tpch_rnd(o.orderkey, 40, 1, z.clerks)::text, 9, '0') AS clerk,
       pg_temp.tpch_cut(c.words, o.orderkey, 41, 19, 78) AS comment,
       CASE WHEN big THEN 7 ELSE pg_temp.tpch_rnd(o.orderkey, 43, 1, 7)::int END AS lines,
       big
FROM tpch_size z CROSS JOIN tpch_words w CROSS JOIN generate_series(0, z.orders - 1) n
     CROSS JOIN LATERAL (SELECT ((n / 8) * 32 + n % 8 + 1)::int AS orderkey) o
     CROSS JOIN LATERAL (SELECT pg_temp.tpch_rnd(o.orderkey, 37, 1, (z.customers * 2) / 3) AS r,
                                pg_temp.tpch_rnd(o.orderkey, 42, 0, 2047) = 0 AS big) cust
     JOIN tpch_text c ON c.id = pg_temp.tpch_run(o.orderkey, 41)
WHERE z.modulus = 1 OR satisfies_hash_partition(z.parent, z.modulus, z.remainder, o.orderkey);

INSERT INTO lineitem (l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice,
                      l_discount, l_tax, l_returnflag, l_linestatus, l_shipdate, l_commitdate,
                      l_receiptdate, l_shipinstruct, l_shipmode, l_comment)
SELECT o.orderkey, p.partkey, pg_temp.tpch_suppkey(p.partkey, pg_temp.tpch_rnd(key, 45, 0, 3)::int, z.suppliers),
       ln, q.quantity, q.quantity * pg_temp.tpch_retailprice(p.partkey),
       pg_temp.tpch_rnd(key, 47, 0, 10) / 100.0, pg_temp.tpch_rnd(key, 48, 0, 8) / 100.0,
       CASE WHEN d.receiptdate <= date '1995-06-17'
            THEN (ARRAY['R', 'A'])[pg_temp.tpch_rnd(key, 49, 1, 2)] ELSE 'N' END,
       CASE WHEN d.shipdate > date '1995-06-17' THEN 'O' ELSE 'F' END,
       d.shipdate, o.orderdate + pg_temp.tpch_rnd(key, 51, 30, 90)::int, d.receiptdate,
       w.instructions[pg_temp.tpch_rnd(key, 53, 1, 4)], w.modes[pg_temp.tpch_rnd(key, 54, 1, 7)],
       pg_temp.tpch_cut(c.words, key, 55, 10, 43)
FROM tpch_size z CROSS JOIN tpch_words w CROSS JOIN tpch_order_base o CROSS JOIN generate_series(1, o.lines) ln
     CROSS JOIN LATERAL (SELECT o.orderkey::bigint * 8 + ln AS key) seed
     CROSS JOIN LATERAL (SELECT pg_temp.tpch_rnd(key, 44, 1, z.parts)::int AS partkey) p
     CROSS JOIN LATERAL (SELECT pg_temp.tpch_rnd(key, 46, CASE WHEN o.big THEN 43 ELSE 1 END, 50) AS quantity) q
     CROSS JOIN LATERAL (SELECT o.orderdate + pg_temp.tpch_rnd(key, 50, 1, 121)::int AS shipdate) sd
     CROSS JOIN LATERAL (SELECT sd.shipdate, sd.shipdate + pg_temp.tpch_rnd(key, 52, 1, 30)::int AS receiptdate) d
     JOIN tpch_text c ON c.id = pg_temp.tpch_run(key, 55);

-- o_totalprice and o_orderstatus from the order's own lineitems, which are on the same shard
-- (both go by orderkey).
INSERT INTO orders (o_orderkey, o_custkey, o_orderstatus, o_totalprice, o_orderdate, o_orderpriority,
                    o_clerk, o_shippriority, o_comment)
SELECT o.orderkey, o.custkey,
       CASE WHEN l.finished = l.lines THEN 'F' WHEN l.finished = 0 THEN 'O' ELSE 'P' END,
       l.total, o.orderdate, o.priority, o.clerk, 0, o.comment
FROM tpch_order_base o
JOIN (SELECT l_orderkey, count(*) AS lines, count(*) FILTER (WHERE l_linestatus = 'F') AS finished,
             sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)) AS total
      FROM lineitem GROUP BY l_orderkey) l ON l.l_orderkey = o.orderkey;

DISCARD TEMP;
