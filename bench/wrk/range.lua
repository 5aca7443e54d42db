-- wrk script: POST /v3/kv/range for one 8-byte key drawn uniformly from a keyspace.
-- Arguments (after `--`): keyspace=N (default 1000; bench/run.ts writes these keys first),
-- serializable=true|false (default false: a linearizable read).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("common")

local keys
local keyspace
local body_head = "{\"key\":\""
local body_tail

function setup(thread) common.setup(thread) end

function init(args)
  local opts = common.parse_args(args)
  keyspace = tonumber(opts.keyspace or "1000")
  keys = common.encoded_keys(keyspace)
  local serializable = opts.serializable == "true"
  body_tail = serializable and "\",\"serializable\":true}" or "\"}"
  math.randomseed(tonumber(wrk.thread:get("thread_id") or 1) * 104729)
  wrk.method = "POST"
  wrk.path = "/v3/kv/range"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = body_head .. keys[math.random(0, keyspace - 1)] .. body_tail
  return wrk.format(nil, nil, nil, body)
end

done = common.done
