/* ucontext.c: getcontext/makecontext/swapcontext are not in musl (header only);
 * Alpine's libucontext provides them. gcompat's getcontext is an ENOSYS stub.
 * gcc -O1 -U_FORTIFY_SOURCE -o ucontext ucontext.c   -> verdict shim (libucontext)
 */
#include <stdio.h>
#include <ucontext.h>
static ucontext_t main_ctx, co_ctx;
static char stack[16384];
static void co(void) { puts("in coroutine"); }
int main(void) {
  getcontext(&co_ctx);
  co_ctx.uc_stack.ss_sp = stack;
  co_ctx.uc_stack.ss_size = sizeof stack;
  co_ctx.uc_link = &main_ctx;
  makecontext(&co_ctx, co, 0);
  swapcontext(&main_ctx, &co_ctx);
  return 0;
}
