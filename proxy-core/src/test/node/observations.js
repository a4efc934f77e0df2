// Runs one node-postgres workload against the server in PGHOST/PGPORT/... and prints, one JSON
// line each, everything a client can observe: rows, field names and types, counts, error codes.
// NodePostgresIT runs it straight against PostgreSQL and through pgsteer and compares the lines.
const { Client } = require('pg');

const owner = Number(process.env.OWNER || 1);

function observe(label, result) {
  console.log(JSON.stringify({
    label,
    command: result.command,
    rowCount: result.rowCount,
    fields: result.fields.map((f) => `${f.name}:${f.dataTypeID}`),
    rows: result.rows,
  }));
}

async function expectError(client, label, query) {
  try {
    await client.query(query);
    console.log(JSON.stringify({ label, error: null }));
  } catch (e) {
    console.log(JSON.stringify({ label, error: e.code, message: e.message }));
  }
}

async function main() {
  const client = new Client();
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS node_items (id serial PRIMARY KEY, owner int, label text, price numeric(10,2), tags text[], doc jsonb)');
    observe('parameterised', await client.query('SELECT $1::int + 1 AS n, $2::text AS t, $3::numeric AS x', [41, 'héllo', '1.50']));
    for (let i = 0; i < 6; i++) {
      // A named statement, prepared once per session and reused across transactions.
      await client.query('BEGIN');
      observe(`insert ${i}`, await client.query({
        name: 'insert-item',
        text: 'INSERT INTO node_items (owner, label, price, tags, doc) VALUES ($1, $2, $3, $4, $5) RETURNING label, price, tags, doc',
        values: [owner, `item-${i}`, `${i}.25`, ['a', `t${i}`], { i }],
      }));
      observe(`count ${i}`, await client.query({ name: 'count-items', text: 'SELECT count(*) AS n FROM node_items WHERE owner = $1', values: [owner] }));
      await client.query(i % 2 === 0 ? 'COMMIT' : 'ROLLBACK');
    }
    observe('after', await client.query({ name: 'count-items', text: 'SELECT count(*) AS n FROM node_items WHERE owner = $1', values: [owner] }));
    await expectError(client, 'division', 'SELECT 1/0');
    await expectError(client, 'missing table', 'SELECT * FROM no_such_table');
    await client.query('BEGIN');
    await expectError(client, 'in transaction', 'SELECT 1/0');
    await expectError(client, 'aborted', 'SELECT 1');
    await client.query('ROLLBACK');
    observe('types', await client.query("SELECT true AS b, 2::int2 AS s, 3::int8 AS l, 'NaN'::float8 AS f, '2024-02-29'::date AS d, "
      + "'1 day'::interval AS i, '00000000-0000-0000-0000-000000000001'::uuid AS u, '\\x00ff'::bytea AS y, NULL::text AS z"));
    observe('cleanup', await client.query('DELETE FROM node_items WHERE owner = $1', [owner]));
  } finally {
    await client.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
