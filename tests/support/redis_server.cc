#include "support/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace marquee::test {
namespace {

// A port the kernel just handed out for 127.0.0.1; free unless raced.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(error));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

std::string ReplyToText(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(reply->str, reply->len);
    case REDIS_REPLY_ERROR:
      return "(error) " + std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string text;
      for (size_t i = 0; i < reply->elements; ++i) {
        if (i > 0) text += '\n';
        text += ReplyToText(reply->element[i]);
      }
      return text;
    }
    default:
      return "(unknown reply type)";
  }
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)), dir_("redis") {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    if (Spawn()) return;
  }
  throw std::runtime_error("redis-server (" MARQUEE_REDIS_SERVER ") did not start");
}

RedisServer::~RedisServer() { Stop(StopMode::kKill); }

bool RedisServer::Spawn() {
  const std::string port = std::to_string(port_);
  const std::string log = dir_.Join("redis.log");
  std::vector<std::string> args = {MARQUEE_REDIS_SERVER, "--port", port, "--bind", "127.0.0.1",
                                   "--dir", dir_.path(), "--save", "", "--appendonly", "no",
                                   "--daemonize", "no", "--logfile", log};
  if (!options_.password.empty()) {
    args.push_back("--requirepass");
    args.push_back(options_.password);
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error(std::string("posix_spawn(" MARQUEE_REDIS_SERVER "): ") +
                             std::strerror(spawned));
  }
  pid_ = pid;
  paused_ = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: port taken?
      pid_ = -1;
      return false;
    }
    if (AnswersPing()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Stop(StopMode::kKill);
  return false;
}

bool RedisServer::AnswersPing() const {
  timeval timeout{0, 200'000};
  std::unique_ptr<redisContext, ContextDeleter> context(
      redisConnectWithTimeout("127.0.0.1", port_, timeout));
  if (context == nullptr || context->err != 0) return false;
  redisSetTimeout(context.get(), timeout);
  if (!options_.password.empty()) {
    std::unique_ptr<redisReply, ReplyDeleter> auth(static_cast<redisReply*>(
        redisCommand(context.get(), "AUTH %b", options_.password.data(), options_.password.size())));
    if (auth == nullptr || auth->type == REDIS_REPLY_ERROR) return false;
  }
  std::unique_ptr<redisReply, ReplyDeleter> reply(
      static_cast<redisReply*>(redisCommand(context.get(), "PING")));
  return reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
         std::string(reply->str, reply->len) == "PONG";
}

void RedisServer::Stop(StopMode mode) {
  if (pid_ <= 0) return;
  if (mode == StopMode::kKill) {
    ::kill(pid_, SIGKILL);
  } else {
    ::kill(pid_, SIGTERM);
    if (paused_) ::kill(pid_, SIGCONT);
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  paused_ = false;
}

void RedisServer::Start() {
  if (pid_ > 0) throw std::runtime_error("RedisServer::Start: already running");
  // The port was ours a moment ago; retry briefly in case the kernel still
  // holds it.
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (Spawn()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_));
}

void RedisServer::Pause() {
  if (pid_ > 0 && !paused_) {
    ::kill(pid_, SIGSTOP);
    paused_ = true;
  }
}

void RedisServer::Resume() {
  if (pid_ > 0 && paused_) {
    ::kill(pid_, SIGCONT);
    paused_ = false;
  }
}

std::string RedisServer::Command(const std::vector<std::string>& argv) const {
  timeval timeout{1, 0};
  std::unique_ptr<redisContext, ContextDeleter> context(
      redisConnectWithTimeout("127.0.0.1", port_, timeout));
  if (context == nullptr || context->err != 0) {
    throw std::runtime_error("cannot connect to the test redis-server on port " +
                             std::to_string(port_));
  }
  redisSetTimeout(context.get(), timeout);
  if (!options_.password.empty()) {
    std::unique_ptr<redisReply, ReplyDeleter> auth(static_cast<redisReply*>(
        redisCommand(context.get(), "AUTH %b", options_.password.data(), options_.password.size())));
    if (auth == nullptr) throw std::runtime_error("AUTH failed on the test redis-server");
  }
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (const std::string& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  std::unique_ptr<redisReply, ReplyDeleter> reply(static_cast<redisReply*>(redisCommandArgv(
      context.get(), static_cast<int>(args.size()), args.data(), lengths.data())));
  if (reply == nullptr) throw std::runtime_error("the test redis-server did not answer");
  return ReplyToText(reply.get());
}

}  // namespace marquee::test
