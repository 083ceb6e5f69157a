// Lua scripts of the model registry. Each runs atomically inside Redis: a saved version is
// numbered, written, indexed, made latest and announced in one step, or not at all.

/**
 * KEYS: seq, versions (zset), latest, names (set).
 * ARGV: version key prefix, channel, name, expected latest ('' = no check, '0' = none yet),
 * then field/value pairs of the version hash.
 * Returns the new version number, or an error "STALE ..." when the expected latest differs.
 */
export const SAVE = `
local current = tonumber(redis.call('GET', KEYS[3]) or '0')
if ARGV[4] ~= '' and tonumber(ARGV[4]) ~= current then
  return redis.error_reply('STALE latest version is ' .. current .. ', expected ' .. ARGV[4])
end
local v = redis.call('INCR', KEYS[1])
redis.call('HSET', ARGV[1] .. v, 'version', v, unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], v, v)
redis.call('SET', KEYS[3], v)
redis.call('SADD', KEYS[4], ARGV[3])
redis.call('PUBLISH', ARGV[2], cjson.encode({ event = 'saved', name = ARGV[3], version = v, ref = ARGV[3] .. '@' .. v }))
return v
`

/**
 * KEYS: latest. ARGV: version key prefix, version ('latest' or a number).
 * Returns the version hash as a flat field/value list (empty when missing): resolving
 * "latest" and reading happen together, so a concurrent delete cannot split them.
 */
export const LOAD = `
local v = ARGV[2]
if v == 'latest' then
  v = redis.call('GET', KEYS[1])
  if not v then return {} end
end
return redis.call('HGETALL', ARGV[1] .. v)
`

/**
 * KEYS: versions (zset), latest. ARGV: version key prefix, channel, name, version.
 * Deletes one version; when it was latest, latest moves to the highest remaining one.
 * Returns 1 when a version was deleted, 0 when it did not exist.
 */
export const DELETE = `
local removed = redis.call('DEL', ARGV[1] .. ARGV[4])
redis.call('ZREM', KEYS[1], ARGV[4])
if redis.call('GET', KEYS[2]) == ARGV[4] then
  local top = redis.call('ZREVRANGE', KEYS[1], 0, 0)
  if #top > 0 then redis.call('SET', KEYS[2], top[1]) else redis.call('DEL', KEYS[2]) end
end
if removed == 1 then
  redis.call('PUBLISH', ARGV[2], cjson.encode({ event = 'deleted', name = ARGV[3], version = tonumber(ARGV[4]), ref = ARGV[3] .. '@' .. ARGV[4] }))
end
return removed
`
