import { useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AppProvider as PolarisAppProvider, Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import polarisTranslations from "@shopify/polaris/locales/en.json";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { LoginErrorType } from "@shopify/shopify-app-remix/server";

import { login } from "../../shopify.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

const loginErrorMessages: Record<LoginErrorType, string> = {
  [LoginErrorType.MissingShop]: "Enter your shop domain to log in",
  [LoginErrorType.InvalidShop]: "Enter a valid shop domain, like my-shop.myshopify.com",
};

/** Starts the login (redirecting to Shopify) or says what is wrong with the shop entered. */
async function loginErrors(request: Request): Promise<{ shop?: string }> {
  const { shop } = await login(request);
  return { shop: shop ? loginErrorMessages[shop] : undefined };
}

export const loader = async ({ request }: LoaderFunctionArgs) => ({ errors: await loginErrors(request) });

export const action = async ({ request }: ActionFunctionArgs) => ({ errors: await loginErrors(request) });

export default function Auth() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [shop, setShop] = useState("");
  const { errors } = actionData || loaderData;

  return (
    <PolarisAppProvider i18n={polarisTranslations}>
      <Page>
        <Card>
          <Form method="post">
            <FormLayout>
              <Text variant="headingMd" as="h2">
                Log in
              </Text>
              <TextField
                type="text"
                name="shop"
                label="Shop domain"
                helpText="example.myshopify.com"
                value={shop}
                onChange={setShop}
                autoComplete="on"
                error={errors.shop}
              />
              <Button submit>Log in</Button>
            </FormLayout>
          </Form>
        </Card>
      </Page>
    </PolarisAppProvider>
  );
}
