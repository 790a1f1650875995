import { DynamicModule, Global, Module } from '@nestjs/common';
import { SecretBox } from '../common/crypto/secret-box';
import { AppConfig } from './app-config';

function secretBoxOf(config: AppConfig): SecretBox {
  const previous = config.secrets.previousBridgeSecretKey;
  return new SecretBox(config.secrets.bridgeSecretKey, previous ? [previous] : []);
}

/** Makes the already-validated config (and the SecretBox keyed by it) injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: SecretBox, useValue: secretBoxOf(config) },
      ],
      exports: [AppConfig, SecretBox],
    };
  }
}
