-- Results are immutable once written (corrections are new rows): the database itself refuses
-- UPDATE, DELETE and TRUNCATE on result and audit tables, whoever asks. A privileged operator
-- can still bypass triggers (ALTER TABLE ... DISABLE TRIGGER, session_replication_role); the
-- audit hash chain (`cardiac-uq audit verify`) is what detects that.

CREATE OR REPLACE FUNCTION cardiac_uq_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'results are immutable: % on "%" is not allowed (write a new row instead)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation', HINT = 'cardiac-uq stores corrections as new rows';
END;
$$;

CREATE TRIGGER "Prediction_immutable" BEFORE UPDATE OR DELETE ON "Prediction"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "Prediction_no_truncate" BEFORE TRUNCATE ON "Prediction"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();

CREATE TRIGGER "StructureMetric_immutable" BEFORE UPDATE OR DELETE ON "StructureMetric"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "StructureMetric_no_truncate" BEFORE TRUNCATE ON "StructureMetric"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();

CREATE TRIGGER "ImageMetric_immutable" BEFORE UPDATE OR DELETE ON "ImageMetric"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "ImageMetric_no_truncate" BEFORE TRUNCATE ON "ImageMetric"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();

CREATE TRIGGER "Sample_immutable" BEFORE UPDATE OR DELETE ON "Sample"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "Sample_no_truncate" BEFORE TRUNCATE ON "Sample"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();

CREATE TRIGGER "AuditEvent_immutable" BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "AuditEvent_no_truncate" BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();

CREATE TRIGGER "Checkpoint_immutable" BEFORE UPDATE OR DELETE ON "Checkpoint"
  FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_change();
CREATE TRIGGER "Checkpoint_no_truncate" BEFORE TRUNCATE ON "Checkpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION cardiac_uq_reject_change();
