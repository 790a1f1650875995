import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/** Runs the WeCom strategy on the callback; a failed login is a LoginFailure, answered by LoginFailureFilter. */
@Injectable()
export class WecomCallbackGuard extends AuthGuard('wecom') {
  constructor() {
    super({ session: false });
  }
}
