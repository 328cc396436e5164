#include <catch2/catch.hpp>

#include <set>

#include "sim/disk.h"

using namespace slotsim;
using namespace slotsim::sim;

TEST_CASE("a crash keeps synced data and loses the unsynced tail", "[disk]") {
  Disk disk;
  Rng rng(1);
  auto file = disk.create("aof", false);
  file->assign("SET a 1\n");
  disk.sync(*file);
  file->append("SET b 2\n");
  disk.crash(rng);
  REQUIRE(disk.find("aof"));
  CHECK(disk.find("aof")->content() == "SET a 1\n");
}

TEST_CASE("an overwrite inside synced data is undone by a crash", "[disk]") {
  Disk disk;
  Rng rng(1);
  auto file = disk.create("conf", false);
  file->assign("epoch 5");
  disk.sync(*file);
  file->assign("epoch 6");
  disk.crash(rng);
  CHECK(disk.find("conf")->content() == "epoch 5");
}

TEST_CASE("a torn write keeps a prefix of the unsynced tail", "[disk]") {
  DiskOptions options;
  options.torn_write_probability = 1.0;
  std::set<std::size_t> sizes;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    Disk disk(options);
    Rng rng(seed);
    auto file = disk.create("aof", false);
    file->assign("durable|");
    disk.sync(*file);
    file->append("0123456789");
    disk.crash(rng);
    const std::string& left = disk.find("aof")->content();
    REQUIRE(left.size() >= 8);
    REQUIRE(left.size() <= 18);
    CHECK(left == std::string("durable|0123456789").substr(0, left.size()));
    sizes.insert(left.size());
  }
  CHECK(sizes.size() > 3);  // the tear point varies with the seed
}

TEST_CASE("with strict directory sync, creations and renames need sync_directory", "[disk]") {
  DiskOptions options;
  options.strict_directory_sync = true;
  Disk disk(options);
  Rng rng(1);
  auto conf = disk.create("nodes.conf", false);
  conf->assign("old");
  disk.sync(*conf);
  disk.sync_directory();

  auto tmp = disk.create("nodes.conf.tmp", true);
  tmp->assign("new");
  disk.sync(*tmp);
  REQUIRE(disk.rename("nodes.conf.tmp", "nodes.conf") == IoError::ok);
  CHECK(disk.find("nodes.conf")->content() == "new");
  disk.crash(rng);  // the rename was never made durable
  CHECK(disk.find("nodes.conf")->content() == "old");
  CHECK_FALSE(disk.find("nodes.conf.tmp"));

  auto tmp2 = disk.create("nodes.conf.tmp", true);
  tmp2->assign("newer");
  disk.sync(*tmp2);
  disk.rename("nodes.conf.tmp", "nodes.conf");
  disk.sync_directory();
  disk.crash(rng);
  CHECK(disk.find("nodes.conf")->content() == "newer");
}

TEST_CASE("without strict directory sync, a rename is durable at once", "[disk]") {
  Disk disk;
  Rng rng(1);
  auto tmp = disk.create("f.tmp", true);
  tmp->assign("x");
  disk.sync(*tmp);
  disk.rename("f.tmp", "f");
  disk.crash(rng);
  REQUIRE(disk.find("f"));
  CHECK(disk.find("f")->content() == "x");
  CHECK(disk.list() == std::vector<std::string>{"f"});
}

TEST_CASE("remove and rename of missing files report not_found", "[disk]") {
  Disk disk;
  CHECK(disk.remove("nope") == IoError::not_found);
  CHECK(disk.rename("nope", "x") == IoError::not_found);
}
