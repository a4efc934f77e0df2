-- The shared tables of the shared-rls variant and their row-level security, made once by the
-- operator (run.sh: MIGRATE in the admin console, as the backend's own login, which owns them).
-- Each tenant logs in as its own role (CREATE TENANT made it, named after the tenant, and granted
-- it the use of the shared schema's tables, these included), so the policies go by current_user:
-- no setting, however a session changes it, widens them.
CREATE TABLE todo_lists (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  tenant_id text NOT NULL DEFAULT current_user);
CREATE TABLE todo_items (
  id serial PRIMARY KEY,
  list_id int NOT NULL REFERENCES todo_lists (id),
  title varchar(200) NOT NULL,
  done int NOT NULL,
  tenant_id text NOT NULL DEFAULT current_user);
ALTER TABLE todo_lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE todo_lists FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON todo_lists USING (tenant_id = current_user)
  WITH CHECK (tenant_id = current_user);
ALTER TABLE todo_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE todo_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON todo_items USING (tenant_id = current_user)
  WITH CHECK (tenant_id = current_user);
