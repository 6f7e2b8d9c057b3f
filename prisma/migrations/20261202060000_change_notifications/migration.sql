-- Every statement that changes a table of the store notifies channel `cardiac_uq_store_changed`
-- with the table's name, delivered when its transaction commits (Postgres folds repeats within
-- one transaction). The API counts these notifications to know when answers it has cached are
-- out of date (src/server/store-changes.ts; docs/design.md "Response cache"). A table added by a
-- later migration must get the same trigger: test/store/change-notifications.test.ts checks that
-- every table has it.
CREATE OR REPLACE FUNCTION cardiac_uq_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cardiac_uq_store_changed', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations' LOOP
    EXECUTE format(
      'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_notify_change()',
      t.tablename || '_notify_change', t.tablename);
  END LOOP;
END
$$;
