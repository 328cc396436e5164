std::random_device rd;
