package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts. Each touches one key, so it runs on Redis Cluster too,
// and reads the clock with TIME, so that the fleet shares one clock.
// redis.NewScript sends them with EVALSHA and falls back to EVAL, which
// loads them, after a restart or a failover.

// applyScript applies a batch of a breaker's reports and proposals to its
// hash, in order, and returns the shared state.
//
//	KEYS[1]  the breaker's hash
//	ARGV[1]  key TTL, ms
//	ARGV[2]  the FailureRate window, ms; 0: counts cover the generation
//	ARGV[3]  the channel to publish changes on
//	ARGV[4]  the breaker's name
//	ARGV[5…] ops of 5 arguments each:
//	         'r' gen successes failures consecutive   (Link.Report)
//	         'p' from state gen until_ms              (Link.Propose)
//
// Fields: state, gen, until (unix ms), succ, fail, consec, and with a
// window w0…w9 = "gen bucket calls fails", buckets of a tenth of the
// window. A proposal applies when gen <= from and gen < its gen, resetting
// the counts. The new state is published when it changed, and the counts
// when the consecutive failures rose from 0, so that every member starts
// sending its successes (see group.prepare).
//
// Returns {state, gen, until, successes, failures, consecutive}.
var applyScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local ttl, win = ARGV[1], tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', key, 'state', 'gen', 'until', 'succ', 'fail', 'consec')
local state, gen, untl = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0
local succ, fail, consec = tonumber(h[4]) or 0, tonumber(h[5]) or 0, tonumber(h[6]) or 0

local width, cur, bk = 0, 0, {}
if win > 0 then
  width = math.max(math.floor(win / 10), 1)
  cur = math.floor(now / width)
  local names = {}
  for j = 0, 9 do names[j + 1] = 'w' .. j end
  local vals = redis.call('HMGET', key, unpack(names))
  for j = 0, 9 do
    local g, x, n, f = string.match(vals[j + 1] or '', '^(%d+) (%-?%d+) (%d+) (%d+)$')
    bk[j] = {tonumber(g) or -1, tonumber(x) or 0, tonumber(n) or 0, tonumber(f) or 0}
  end
end

local changed, rose, wrote, dirty = false, false, false, false
local i = 5
while i + 4 <= #ARGV do
  local a, b, c, d = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  if ARGV[i] == 'r' then
    if a == gen then
      succ, fail = succ + b, fail + c
      local old = consec
      if b > 0 then consec = d else consec = consec + d end
      if old == 0 and consec > 0 then rose = true end
      if width > 0 and b + c > 0 then
        local p = cur % 10
        if bk[p][1] ~= gen or bk[p][2] ~= cur then bk[p] = {gen, cur, 0, 0} end
        bk[p][3], bk[p][4] = bk[p][3] + b + c, bk[p][4] + c
        dirty = true
      end
      wrote = true
    end
  elseif ARGV[i] == 'p' and gen <= a and c > gen then
    state, gen, untl = b, c, d
    succ, fail, consec = 0, 0, 0
    changed, rose, wrote = true, false, true
  end
  i = i + 5
end

local s, f = succ, fail
if width > 0 then
  s, f = 0, 0
  for j = 0, 9 do
    local x = bk[j]
    if x[1] == gen and x[2] > cur - 10 and x[2] <= cur then s, f = s + x[3] - x[4], f + x[4] end
  end
end
if wrote then
  local fmt = string.format
  redis.call('HSET', key, 'state', fmt('%d', state), 'gen', fmt('%d', gen), 'until', fmt('%d', untl),
    'succ', fmt('%d', succ), 'fail', fmt('%d', fail), 'consec', fmt('%d', consec))
  if dirty then
    local p = cur % 10
    redis.call('HSET', key, 'w' .. p, fmt('%d %d %d %d', bk[p][1], bk[p][2], bk[p][3], bk[p][4]))
  end
  redis.call('PEXPIRE', key, ttl)
end
if changed or rose then
  redis.call('PUBLISH', ARGV[3], string.format('%d %d %d %d %d %d ', state, gen, untl, s, f, consec) .. ARGV[4])
end
return {state, gen, untl, s, f, consec}
`)

// leaseScript grants the half-open probe lease of a generation.
//
//	KEYS[1]  the breaker's hash
//	ARGV[1]  the generation
//	ARGV[2]  how long the lease lasts, ms
//	ARGV[3]  who asks (store and link)
//	ARGV[4]  key TTL, ms
//
// Returns 1 when granted: no one else holds an unexpired lease for this or
// a later generation. Fields: lease (holder), lgen, luntil (unix ms).
var leaseScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gen = tonumber(ARGV[1])
local h = redis.call('HMGET', KEYS[1], 'lease', 'lgen', 'luntil')
if h[1] and h[1] ~= ARGV[3] and (tonumber(h[2]) or 0) >= gen and now < (tonumber(h[3]) or 0) then
  return 0
end
redis.call('HSET', KEYS[1], 'lease', ARGV[3], 'lgen', ARGV[1], 'luntil', string.format('%d', now + tonumber(ARGV[2])))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)
