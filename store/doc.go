// Package store owns opendray's PostgreSQL access: the pgx connection pool,
// the migration runner, and one file of queries per entity with the row
// types that go with it. No other package writes SQL.
//
// A DB is safe for concurrent use. Open does not need the server to be up:
// the pool connects lazily, so a gateway can start while the database is
// down and report that through Ping.
package store
