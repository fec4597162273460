-- PUT /v1/backup as a device sends it, one recovery account per thread:
-- wrk ... -s bench/wrk/backup_put.lua URL -- ACCOUNTS ENVELOPE_B64
-- ACCOUNTS: a line "TOKEN [VERSION]" per thread (VERSION, the latest, 1 if
-- absent); each upload replaces the version the previous answer gave.
dofile("bench/wrk/threads.lua")
function init(args)
	local i = 0
	for line in io.lines(args[1]) do
		i = i + 1
		if i == id then
			token, version = line:match("^(%S+)%s*(%d*)")
			version = tonumber(version) or 1
		end
	end
	envelope = io.open(args[2]):read("*a")
end
function request()
	local body = '{"replaces_version":' .. version .. ',"device_id":"wrk' .. id ..
		'","device_name":"wrk","envelope":"' .. envelope .. '"}'
	return wrk.format("PUT", "/v1/backup",
		{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
	local v = body:match('"version":(%d+)')
	if status == 200 and v then version = tonumber(v) end
end
