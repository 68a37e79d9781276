// Command retry runs a command or an HTTP request again when it fails, with
// the NOP retry policy: exponential backoff with jitter, the specification's
// environment variables and its log line.
//
//	retry run [flags] -- COMMAND [ARGS...]   retry a command on a non-zero exit
//	retry http [flags] URL                    an HTTP request with client retries
//	retry schedule [flags]                    the delay plan of a policy
//	retry demo [--duration D] [--metrics-addr ADDR] [--redis ADDR]
//	                                          our client beside a naive retry
//	retry version
//	retry help [COMMAND]
//
// Run 'retry help COMMAND' for the flags and exit statuses of a command.
//
// With --redis, the demo runs our client as three instances that share one
// circuit breaker (and retry budget) through Redis, with package
// redisstore, and shows each instance's breaker opening as one instance's
// trip reaches the others.
package main
