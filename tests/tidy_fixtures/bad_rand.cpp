int x = rand() % 6;
