-- Run by CREATE TENANT in each new tenant's schema or database (databases.saas.tenancy.template).
-- The application creates its own tables (metadata.create_all); the template may hold what an
-- operator wants every tenant to start with.
CREATE TABLE IF NOT EXISTS projects (id int PRIMARY KEY, name text NOT NULL);
