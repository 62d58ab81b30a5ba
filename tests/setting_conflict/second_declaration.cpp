// The second declaration of SHARED_NAME (see declared_twice_test.cpp).
#include <orbweaver/settings.hpp>

ORBWEAVER_SETTING(SHARED_NAME, number, "2", "The second declaration.");
