//go:build !race

package otelretry_test

const raceEnabled = false
