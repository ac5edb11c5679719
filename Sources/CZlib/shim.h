// zlib (Debian zlib1g-dev): raw DEFLATE for np.savez_compressed members, and CRC-32.
#include <zlib.h>
