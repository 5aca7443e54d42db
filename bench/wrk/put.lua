-- wrk script: POST /v3/kv/put with an 8-byte key drawn uniformly from a keyspace and a 256-byte value.
-- Arguments (after `--`): keyspace=N (default 100000), value_bytes=N (default 256).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

local keys
local value_b64
local body_head = "{\"key\":\""
local body_mid
local keyspace

function setup(thread) common.setup(thread) end

function init(args)
  local opts = common.parse_args(args)
  keyspace = tonumber(opts.keyspace or "100000")
  local value_bytes = tonumber(opts.value_bytes or "256")
  keys = common.encoded_keys(keyspace)
  -- A fixed pseudo-random printable value (small LCG): no run or short period that compression
  -- could exploit on either server.
  local chars = {}
  local state = 12345
  for i = 1, value_bytes do
    state = (state * 69069 + 1) % 4294967296 -- exact in doubles: < 2^49
    chars[i] = string.char(33 + math.floor(state / 16777216) % 94)
  end
  value_b64 = common.base64(table.concat(chars))
  body_mid = "\",\"value\":\"" .. value_b64 .. "\"}"
  math.randomseed(tonumber(wrk.thread:get("thread_id") or 1) * 7919)
  wrk.method = "POST"
  wrk.path = "/v3/kv/put"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = body_head .. keys[math.random(0, keyspace - 1)] .. body_mid
  return wrk.format(nil, nil, nil, body)
end

done = common.done
