// The main() of every orbweaver program: the installed launcher, the in-tree one with the example
// spiders, a project's executable and a runspider binary. All of the work is in liborbweaver.
#include "commands.hpp"

int main(int argc, char** argv) { return orbweaver::launcher::run_launcher(argc, argv); }
