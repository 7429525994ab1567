/* settings.h — every setting of a run, as the command line, the environment and the profile give
 * them: what module att makes its requests with (AttApiConfig) and what the host runs the script
 * with (AttHostConfig). config.c fills it; main.c hands the two halves to the host. */
#ifndef ATT_SETTINGS_H
#define ATT_SETTINGS_H

#include "bind/api.h"
#include "host/host.h"

typedef struct AttConfig {
    AttApiConfig api;
    AttHostConfig host;
} AttConfig;

#endif
