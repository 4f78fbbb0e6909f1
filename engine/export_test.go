package engine

// PGSchemaVersion is the PostgreSQL schema version this wf writes, for
// the external tests.
var PGSchemaVersion = pgSchemaVersion
