// The sharded shop with node-postgres: customers and orders hashed by customer over three shards,
// products a reference table on every shard. One pg.Pool pointed at pgsteer; no code here picks a
// shard. Parameters travel in Bind ($1), and pgsteer routes by them.
//
//   node shop.js postgresql://demo:demo@127.0.0.1:6432/demo
'use strict';
const assert = require('node:assert/strict');
const { Pool } = require('pg');

async function inTransaction(pool, work) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

async function main(url) {
  const pool = new Pool({ connectionString: url, max: 4 });
  const ids = [1, 2, 3, 4, 5, 6].map((i) => 700000 + i);
  try {
    // Leftovers of an earlier run, by key: each DELETE on its customer's shard.
    for (const id of ids) {
      await pool.query('DELETE FROM orders WHERE customer_id = $1', [id]);
      await pool.query('DELETE FROM customers WHERE id = $1', [id]);
    }
    const { rows: [product, refill] } = await pool.query('SELECT id, name FROM products ORDER BY id LIMIT 2');

    // One transaction over several shards: pgsteer commits it with two-phase commit.
    await inTransaction(pool, async (client) => {
      for (const [n, id] of ids.entries()) {
        await client.query('INSERT INTO customers (id, name, region) VALUES ($1, $2, $3)', [id, `example customer ${n}`, 'eu']);
        await client.query(
          'INSERT INTO orders (id, customer_id, product_id, amount, ordered_at) VALUES ($1, $2, $3, $4, $5), ($6, $2, $7, $8, $5)',
          [1, id, product.id, (10.5 * (n + 1)).toFixed(2), '2026-01-01', 2, refill.id, '1.00']);
      }
    });

    // A transaction that fails is rolled back on every shard it touched.
    await assert.rejects(inTransaction(pool, async (client) => {
      await client.query('UPDATE orders SET amount = 0 WHERE customer_id = $1', [ids[0]]);
      await client.query('INSERT INTO customers (id, name, region) VALUES ($1, $2, $3)', [ids[1], 'duplicate', 'eu']);
    }), /duplicate key/);

    // By key (prepared, named statement): one shard; a join with the reference table stays there.
    for (const [n, id] of ids.entries()) {
      const { rows } = await pool.query({
        name: 'orders-of-customer',
        text: 'SELECT o.id, o.amount, p.name FROM orders o JOIN products p ON p.id = o.product_id WHERE o.customer_id = $1 ORDER BY o.id',
        values: [id],
      });
      assert.deepEqual(rows.map((r) => [r.id, r.amount, r.name]),
        [['1', (10.5 * (n + 1)).toFixed(2), product.name], ['2', '1.00', refill.name]]);
    }

    // Every shard, merged by pgsteer.
    const { rows: [{ total }] } = await pool.query('SELECT sum(amount) AS total FROM orders WHERE customer_id = ANY($1)', [ids]);
    assert.equal(total, '226.50');
    const { rows: top } = await pool.query('SELECT id FROM customers WHERE id BETWEEN $1 AND $2 ORDER BY id DESC LIMIT 3', [700000, 700999]);
    assert.deepEqual(top.map((r) => Number(r.id)), ids.slice(-3).reverse());
    const { rows: counts } = await pool.query(
      'SELECT customer_id, count(*) AS n FROM orders WHERE customer_id = ANY($1) GROUP BY customer_id ORDER BY customer_id', [ids]);
    assert.deepEqual(counts.map((r) => [Number(r.customer_id), Number(r.n)]), ids.map((id) => [id, 2]));

    const shards = new Set();
    for (const id of ids) {
      const { rows: [route] } = await pool.query(`EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = ${id}`);
      shards.add(route.shards);
    }
    assert.ok(shards.size > 1, 'the example customers should land on more than one shard');
    console.log(`sharded: ${ids.length} customers with 2 orders each, on shards ${[...shards].sort().join(', ')}; total ${total}`);

    await productReport(pool, ids, [product, refill]);
  } finally {
    await pool.end();
  }
  console.log('sharded: OK');
}

// A report pgsteer cannot merge row by row: per product (not the shard key), the distinct customers
// and the median amount, count(DISTINCT ...) and percentile_cont(0.5) WITHIN GROUP (ORDER BY ...).
// pgsteer answers it with its coordinator step: the rows it reads are pulled into one shard and
// PostgreSQL runs the statement there, with its parameters, so the answer is PostgreSQL's own.
const PRODUCT_REPORT = `
  SELECT p.name AS product, count(*) AS order_count, count(DISTINCT o.customer_id) AS customers,
         sum(o.amount) AS revenue, percentile_cont(0.5) WITHIN GROUP (ORDER BY o.amount) AS median
  FROM orders o JOIN products p ON p.id = o.product_id
  WHERE o.customer_id = ANY($1)
  GROUP BY p.name
  ORDER BY revenue DESC`;

async function productReport(pool, ids, [product, refill]) {
  const { rows } = await pool.query(PRODUCT_REPORT, [ids]);
  // What one PostgreSQL gives for the rows written above: customer n bought the product for
  // 10.50 * (n + 1) and the refill for 1.00.
  const firsts = ids.map((_, n) => 10.5 * (n + 1));
  const expected = [
    { product: product.name, order_count: String(ids.length), customers: String(ids.length),
      revenue: firsts.reduce((a, b) => a + b, 0).toFixed(2), median: percentileCont(0.5, firsts) },
    { product: refill.name, order_count: String(ids.length), customers: String(ids.length),
      revenue: (1 * ids.length).toFixed(2), median: percentileCont(0.5, ids.map(() => 1)) },
  ];
  assert.deepEqual(rows, expected);

  const { rows: route } = await pool.query(`EXPLAIN ROUTE ${PRODUCT_REPORT}`, [ids]);
  assert.equal(route[0].answer, 'coordinator');
  console.log('sharded: EXPLAIN ROUTE of the report');
  for (const { shards, answer, reason } of route) {
    console.log(`  ${shards} | ${answer} | ${reason.trim().split(/\s+/).join(' ')}`);
  }
  console.log(`sharded: per product: ${rows.map((r) =>
    `${r.product}: ${r.order_count} orders, ${r.customers} customers, revenue ${r.revenue}, median ${r.median}`).join('; ')}`);
}

// PostgreSQL's percentile_cont: interpolated between the two nearest values, in double precision.
function percentileCont(fraction, values) {
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const low = sorted[Math.floor(position)];
  const high = sorted[Math.ceil(position)];
  return low + (high - low) * (position - Math.floor(position));
}

main(process.argv[2]).catch((e) => {
  console.error(e);
  process.exit(1);
});
