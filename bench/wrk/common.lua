-- Shared helpers for the tsetcd/etcd gateway benchmarks (loaded by put.lua and range.lua).
-- wrk runs one Lua state per thread plus one for setup/done; each loads this file itself.
local bit = require("bit")

local M = {}

local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local SYMBOLS = {}
for i = 1, 64 do SYMBOLS[i - 1] = ALPHABET:sub(i, i) end

-- Standard base64 with '=' padding, as etcd's gateway expects for bytes fields.
function M.base64(text)
  local out = {}
  local n = #text
  for i = 1, n, 3 do
    local a, b, c = text:byte(i, i + 2)
    local word = bit.bor(bit.lshift(a, 16), bit.lshift(b or 0, 8), c or 0)
    out[#out + 1] = SYMBOLS[bit.band(bit.rshift(word, 18), 63)]
    out[#out + 1] = SYMBOLS[bit.band(bit.rshift(word, 12), 63)]
    out[#out + 1] = b and SYMBOLS[bit.band(bit.rshift(word, 6), 63)] or "="
    out[#out + 1] = c and SYMBOLS[bit.band(word, 63)] or "="
  end
  return table.concat(out)
end

-- Key i of the keyspace: always exactly 8 bytes ("k" and 7 digits), so keys up to 9,999,999.
function M.key(i)
  assert(i >= 0 and i <= 9999999, "key index out of range")
  return string.format("k%07d", i)
end

-- Reads "name=value" script arguments (after wrk's `--`) into a table.
function M.parse_args(args)
  local opts = {}
  for _, arg in ipairs(args or {}) do
    local name, value = arg:match("^([%w_]+)=(.*)$")
    assert(name ~= nil, "script argument must be name=value: " .. tostring(arg))
    opts[name] = value
  end
  return opts
end

-- Precomputes the base64 of every key in the keyspace so a request costs one table lookup and one
-- string concatenation; the keyspace is bounded so this table stays small (100k keys ~ 5 MB per thread).
function M.encoded_keys(keyspace)
  assert(keyspace >= 1 and keyspace <= 1000000, "keyspace must be 1..1000000")
  local keys = {}
  for i = 0, keyspace - 1 do keys[i] = M.base64(M.key(i)) end
  return keys
end

-- Gives each thread its own id so threads draw different key sequences.
local next_thread_id = 0
function M.setup(thread)
  next_thread_id = next_thread_id + 1
  thread:set("thread_id", next_thread_id)
end

-- Prints one machine-readable line that bench/run.ts parses; latencies are in microseconds.
function M.done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "WRK_RESULT {\"requests\":%d,\"durationUs\":%d,\"p50Us\":%d,\"p90Us\":%d,\"p99Us\":%d,\"maxUs\":%d," ..
    "\"meanUs\":%.1f,\"errConnect\":%d,\"errRead\":%d,\"errWrite\":%d,\"errStatus\":%d,\"errTimeout\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end

return M
