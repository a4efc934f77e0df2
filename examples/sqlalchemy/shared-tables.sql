-- The shared tables of the shared-rls variant and their row-level security, made once by the
-- operator (run.sh: MIGRATE in the admin console, as the backend's own login). A tenant's session
-- may not change row-level security: pgsteer refuses it, since it is what keeps tenants apart.
CREATE TABLE todo_lists (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  tenant_id text NOT NULL DEFAULT current_setting('app.tenant_id'));
CREATE TABLE todo_items (
  id serial PRIMARY KEY,
  list_id int NOT NULL REFERENCES todo_lists (id),
  title varchar(200) NOT NULL,
  done int NOT NULL,
  tenant_id text NOT NULL DEFAULT current_setting('app.tenant_id'));
ALTER TABLE todo_lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE todo_lists FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON todo_lists USING (tenant_id = current_setting('app.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE todo_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE todo_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON todo_items USING (tenant_id = current_setting('app.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
