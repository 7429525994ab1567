/* fuzz_common.h — a Lua state with att loaded, shared by the fuzz targets (created once). */
#ifndef ATT_FUZZ_COMMON_H
#define ATT_FUZZ_COMMON_H

#include <lauxlib.h>
#include <string.h>

#include "host/host.h"

static lua_State *fuzz_state(void)
{
    static AttHost host;
    static lua_State *L;
    if (!L) {
        memset(&host, 0, sizeof host);
        host.api.cfg.base_url = "http://127.0.0.1:9/omni-svcs"; /* never contacted */
        host.api.cfg.timeout = 1;
        host.api.cfg.connect_timeout = 1;
        host.api.cfg.max_response = 1 << 20;
        host.cfg.max_memory = 256u << 20;
        L = att_host_new(&host);
        if (!L) __builtin_trap();
    }
    return L;
}

#endif
