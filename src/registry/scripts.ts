// Lua scripts of the model registry. Each runs atomically inside Redis: a saved version is
// numbered, written, indexed, made latest and announced in one step, or not at all.
// Every key a script touches is passed in KEYS (none is built inside a script), as Redis asks
// of scripts: ACL key patterns, proxies and Cluster's slot routing rely on it. The caller
// computes the new version's key from `seq`; the script refuses (SEQ) if `seq` moved meanwhile.

/**
 * KEYS: seq, versions (zset), latest, names (set), the new version's hash.
 * ARGV: channel, name, expected latest ('' = no check, '0' = none yet), the new version number
 * (seq + 1 as the caller read it), then field/value pairs of the version hash.
 * Returns the new version number, or an error "STALE ..." when the expected latest differs, or
 * "SEQ ..." when another save took that number first (read seq again and retry).
 */
export const SAVE = `
local current = tonumber(redis.call('GET', KEYS[3]) or '0')
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= current then
  return redis.error_reply('STALE latest version is ' .. current .. ', expected ' .. ARGV[3])
end
local v = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
if v ~= tonumber(ARGV[4]) then
  return redis.error_reply('SEQ next version is ' .. v .. ', not ' .. ARGV[4])
end
redis.call('SET', KEYS[1], v)
redis.call('HSET', KEYS[5], 'version', v, unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], v, v)
redis.call('SET', KEYS[3], v)
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('PUBLISH', ARGV[1], cjson.encode({ event = 'saved', name = ARGV[2], version = v, ref = ARGV[2] .. '@' .. v }))
return v
`

/**
 * KEYS: latest, the version's hash. ARGV: version number, 'latest' when the caller resolved it
 * from latest. Returns the version hash as a flat field/value list (empty when missing), or an
 * error "MOVED-LATEST" when latest no longer names that version (resolve it again).
 */
export const LOAD = `
if ARGV[2] == 'latest' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('MOVED-LATEST')
end
return redis.call('HGETALL', KEYS[2])
`

/**
 * KEYS: versions (zset), latest, the version's hash. ARGV: channel, name, version.
 * Deletes one version; when it was latest, latest moves to the highest remaining one.
 * Returns 1 when a version was deleted, 0 when it did not exist.
 */
export const DELETE = `
local removed = redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[1], ARGV[3])
if redis.call('GET', KEYS[2]) == ARGV[3] then
  local top = redis.call('ZREVRANGE', KEYS[1], 0, 0)
  if #top > 0 then redis.call('SET', KEYS[2], top[1]) else redis.call('DEL', KEYS[2]) end
end
if removed == 1 then
  redis.call('PUBLISH', ARGV[1], cjson.encode({ event = 'deleted', name = ARGV[2], version = tonumber(ARGV[3]), ref = ARGV[2] .. '@' .. ARGV[3] }))
end
return removed
`
