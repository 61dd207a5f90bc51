// The command line of marquee-server.
#ifndef MARQUEE_EXAMPLES_SERVER_OPTIONS_H_
#define MARQUEE_EXAMPLES_SERVER_OPTIONS_H_

#include <cstddef>
#include <optional>
#include <string>

#include "marquee/memory_store.h"

namespace marquee_server {

struct ServerFlags {
  std::string data_dir;  // empty: memory only
  std::string listen = "127.0.0.1:8080";
  marquee::FsyncPolicy fsync = marquee::FsyncPolicy::kEverySecond;
  size_t threads = 0;  // 0: hardware concurrency
  bool demo = false;
  std::string port_file;  // empty: none
  std::string admin_key;     // empty: none given
  std::string delivery_key;  // empty: none given
  std::string tls_cert;      // both empty: plain HTTP
  std::string tls_key;
  bool access_log = true;    // --access-log on|off
  bool webhooks = true;      // --webhooks on|off: send deliveries
  bool help = false;
};

// What --help prints.
extern const char kUsage[];

// The flags of argv[1..argc-1]; on a bad command line, none and `error`
// says what was wrong.
std::optional<ServerFlags> ParseFlags(int argc, char** argv, std::string& error);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_OPTIONS_H_
