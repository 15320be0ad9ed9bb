// Package gateway is opendray's HTTP and WebSocket surface, built on fiber.
//
// routes.go lists every route in one function. Handlers translate requests
// into calls on the typed clients of the actor subsystems and never touch a
// process, a PTY or the database directly. Errors reach the client as
// {"error": "..."} with a fitting status; errors.go maps internal errors to
// statuses and public messages and logs the internal chain once.
//
// Values taken from a *fiber.Ctx are valid only inside the handler: copy
// what outlives it.
package gateway
