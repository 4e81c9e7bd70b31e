// Package core holds the chatlens domain model: entities, value objects and
// domain errors. It imports the standard library only; use cases live in the
// module packages below it (core/users, core/credits, …) and reach storage and
// other outside systems through the interfaces in package ports.
package core
