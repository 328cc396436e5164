std::thread worker([] {});
